// STUB: `secure-defaults preview` (to be implemented).
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("secure-defaults preview: not implemented yet\n");
  return 2;
}
