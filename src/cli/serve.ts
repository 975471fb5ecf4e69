// STUB: `secure-defaults serve` (to be implemented).
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("secure-defaults serve: not implemented yet\n");
  return 2;
}
