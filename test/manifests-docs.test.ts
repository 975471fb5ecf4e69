// docs/install.md stays true to the manifests and the CLI: the names, labels and flags it tells
// people to type exist, and the uninstall order is the safe one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BASE_DIR, REPO_ROOT, only, render } from "./support/manifests-render.js";
import { runCli } from "./support/run-cli.js";

const doc = readFileSync(join(REPO_ROOT, "docs", "install.md"), "utf8");

async function help(command: string): Promise<string> {
  const r = await runCli([command, "--help"]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Flags used on doc lines that run `secure-defaults <command>` (continuation lines included). */
function flagsUsedWith(command: string): string[] {
  const logical = doc.replace(/\\\n\s*/g, " ").split("\n");
  const lines = logical.filter((l) => new RegExp(`(secure-defaults|main\\.js) ${command}\\b`).test(l));
  assert.ok(lines.length > 0, `the doc shows ${command}`);
  return [...new Set(lines.flatMap((l) => l.slice(l.search(new RegExp(`${command}\\b`))).match(/(?<=\s)--[a-z][-a-z]*/g) ?? []))];
}

describe("docs/install.md", () => {
  let webhookConfig: ReturnType<typeof only>;
  let webhook: ReturnType<typeof only>["webhooks"][0];
  before(() => {
    webhookConfig = only(render(BASE_DIR), "MutatingWebhookConfiguration");
    webhook = webhookConfig.webhooks[0];
  });

  it("uses only flags that `secure-defaults certs` accepts", async () => {
    const usage = await help("certs");
    for (const flag of flagsUsedWith("certs")) assert.ok(usage.includes(flag), flag);
  });

  it("uses only flags that `secure-defaults preview` accepts", async () => {
    const usage = await help("preview");
    for (const flag of flagsUsedWith("preview")) assert.ok(usage.includes(flag), flag);
  });

  it("names the webhook configuration, the webhook and the labels as the manifests do", () => {
    assert.ok(doc.includes(`mutatingwebhookconfiguration ${webhookConfig.metadata.name}`));
    assert.ok(doc.includes(`"${webhook.name}"`));
    const keys = [...webhook.namespaceSelector.matchExpressions, ...webhook.objectSelector.matchExpressions].map((e: { key: string }) => e.key);
    for (const key of keys.filter((k: string) => k.startsWith("secure-defaults.io/"))) assert.ok(doc.includes(key), key);
    assert.ok(doc.includes("secure-defaults.io/policy="), "how to choose a policy");
  });

  it("explains the failure policy the manifests use, and how to recover from it", () => {
    assert.ok(doc.includes(`failurePolicy: ${webhook.failurePolicy}`));
    assert.ok(doc.includes(`timeoutSeconds: ${webhook.timeoutSeconds}`));
    assert.match(doc, /kubectl delete mutatingwebhookconfiguration secure-defaults/);
    assert.match(doc, /secure-defaults\.io\/enabled-/, "relabelling a namespace out");
  });

  it("uninstalls the webhook configuration before the webhook", () => {
    const section = doc.slice(doc.indexOf("## Uninstall"), doc.indexOf("\n## ", doc.indexOf("## Uninstall") + 1));
    const first = section.indexOf("kubectl delete mutatingwebhookconfiguration");
    const rest = section.indexOf("kubectl delete -k");
    assert.ok(first >= 0 && rest > first, "delete the MutatingWebhookConfiguration first");
  });

  it("covers both certificate routes and the preview of a namespace", () => {
    assert.match(doc, /kubectl apply -k manifests\//);
    assert.match(doc, /certs --namespace secure-defaults --service secure-defaults/);
    assert.match(doc, /kubectl get deploy,sts,ds,job,cronjob -n \w+ -o yaml/);
  });
});
