// STUB: `secure-defaults certs` (to be implemented).
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write("secure-defaults certs: not implemented yet\n");
  return 2;
}
