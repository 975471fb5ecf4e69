// A kubeconfig for the stub API servers of the tests: plain HTTP on loopback, a bearer token.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `dir/<file>` (default kubeconfig.yaml) pointing at 127.0.0.1:`port` and returns its path. */
export function writeStubKubeconfig(dir: string, port: number, token: string, options: { namespace?: string; file?: string } = {}): string {
  const path = join(dir, options.file ?? "kubeconfig.yaml");
  const namespace = options.namespace ? `, namespace: ${options.namespace}` : "";
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
  - name: stub
    cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}
users:
  - name: stub
    user: {token: ${token}}
contexts:
  - name: stub
    context: {cluster: stub, user: stub${namespace}}
current-context: stub
`,
  );
  return path;
}
