// Progress lines on stderr for long runs: at most one per `every` objects, and only when stderr is a
// terminal or the run has already taken `afterMs` (so short runs and tests print nothing).
export interface ProgressOptions {
  every?: number;
  afterMs?: number;
  now?: () => number;
}

export class Progress {
  readonly #stream: { isTTY?: boolean; write(text: string): unknown };
  readonly #every: number;
  readonly #afterMs: number;
  readonly #now: () => number;
  readonly #start: number;
  readonly #printed = new Map<string, number>();

  constructor(stream: { isTTY?: boolean; write(text: string): unknown }, options: ProgressOptions = {}) {
    this.#stream = stream;
    this.#every = options.every ?? 1000;
    this.#afterMs = options.afterMs ?? 2000;
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
  }

  /** Reports `count` for the step `topic`; `line` formats it. Prints when `count` passed the next multiple of `every`. */
  report(topic: string, count: number, line: () => string): void {
    const step = Math.floor(count / this.#every);
    if (step <= (this.#printed.get(topic) ?? 0)) return;
    if (!this.#stream.isTTY && this.#now() - this.#start < this.#afterMs) return;
    this.#printed.set(topic, step);
    this.#stream.write(`${line()}\n`);
  }
}
