// Writes files the way the kubelet updates a ConfigMap or Secret volume (AtomicWriter): the content goes
// to a new timestamped directory, a `..data_tmp` symlink to it is renamed over `..data` in one step, and
// each file name is a symlink to `..data/<name>`; the previous directory is then removed.
import { existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

let version = 0;

export function writeVolume(dir: string, files: Record<string, string | Buffer>): void {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, "..data");
  const previous = existsSync(data) ? readlinkSync(data) : undefined;
  const next = `..2026_01_01_00_00_00.${String(++version).padStart(9, "0")}`;
  mkdirSync(join(dir, next));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, next, name), content);
  symlinkSync(next, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), data);
  for (const name of Object.keys(files)) {
    if (!lstatSync(join(dir, name), { throwIfNoEntry: false })) symlinkSync(join("..data", name), join(dir, name));
  }
  if (previous) rmSync(join(dir, previous), { recursive: true, force: true });
}
