// A folder laid out the way the kubelet lays out a ConfigMap or Secret volume: each file is a symbolic
// link `name -> ..data/name`, `..data` is a link to a timestamped folder, and an update writes a new
// folder and swaps `..data` atomically (a new link renamed over the old one).
import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class ConfigMapVolume {
  #generation = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** The folder `..data` points at now. */
  get current(): string {
    return join(this.dir, readlinkSync(join(this.dir, "..data")));
  }

  /** Writes `files` as a new generation and swaps `..data` to it; the file links are created once. */
  update(files: Record<string, string | Buffer>): void {
    const name = `..gen_${String(++this.#generation).padStart(4, "0")}`;
    const folder = join(this.dir, name);
    mkdirSync(folder);
    for (const [file, content] of Object.entries(files)) writeFileSync(join(folder, file), content);
    const previous = this.#generation > 1 ? this.current : undefined;
    symlinkSync(name, join(this.dir, "..data_tmp"));
    renameSync(join(this.dir, "..data_tmp"), join(this.dir, "..data"));
    for (const file of Object.keys(files)) {
      try {
        symlinkSync(join("..data", file), join(this.dir, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    if (previous) rmSync(previous, { recursive: true, force: true });
  }
}
