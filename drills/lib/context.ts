// What every drill gets from the runner.
import type { Endpoint } from "./client.js";
import type { WebhookProcess } from "./server.js";

export interface DrillSettings {
  root: string;
  work: string;
  seed: number;
  quick: boolean;
  soakMinutes: number;
  /** Folder of real manifests (JSON files with an `object`), if there is one. */
  corpus?: string;
}

export interface Webhook {
  endpoint: Endpoint;
  process: WebhookProcess;
}

export function log(message: string): void {
  process.stderr.write(`[drills ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
