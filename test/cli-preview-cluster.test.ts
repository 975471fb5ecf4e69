// `secure-defaults preview --cluster` against a stub API server (plain node:http serving namespaces,
// Pods and workloads, paginated; a kubeconfig pointing at it): the table and JSON output, owners and
// assumed identities, pagination, an empty namespace, --all-namespaces, and failed list calls (exit 2).
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { REPO_ROOT } from "./support/fixture-cases.js";
import { runCli } from "./support/run-cli.js";
import { removeDir, tempDir } from "./support/server-harness.js";
import { STUB_WORKLOAD_TOKEN, StubWorkloadApiServer } from "./support/stub-workload-apiserver.js";

const SHOP = readFileSync(join(REPO_ROOT, "test/fixtures/cluster/shop.yaml"), "utf8");
const RESTRICTED = "policies/restricted.yaml";

const NOTE = `Each Pod and pod template is evaluated as a CREATE by the controller that makes its Pods (REQUESTED AS);
a bare Pod as an authenticated user with no other group, since the Pod does not record who created it.
`;

const PAYMENTS_BLOCK = `namespace payments (opted in)
  1 Pod (0 unchanged, 0 defaulted, 1 denied); 1 workload template (0 unchanged, 0 defaulted, 1 denied)
  WORKLOAD             PODS  UNCHANGED  DEFAULTED  DENIED  TEMPLATE  SERVICEACCOUNT  REQUESTED AS
  DaemonSet/log-agent     1          0          0       1  denied    log-agent       system:serviceaccount:kube-system:daemon-set-controller
  top denial reasons (Pods and templates):
    2  spec.volumes[*].hostPath: policy "restricted" (volumes): hostPath volumes are not allowed to be used
`;

const SHOP_BLOCK = `namespace shop (not opted in: no secure-defaults.io/enabled=true label)
  5 Pods (1 unchanged, 2 defaulted, 2 denied); 3 workload templates (1 unchanged, 1 defaulted, 1 denied)
  WORKLOAD        PODS  UNCHANGED  DEFAULTED  DENIED  TEMPLATE   SERVICEACCOUNT  REQUESTED AS
  Deployment/web     2          0          2       0  defaulted  web             system:serviceaccount:kube-system:replicaset-controller
  StatefulSet/db     1          0          0       1  denied     default         system:serviceaccount:kube-system:statefulset-controller
  CronJob/report     1          1          0       0  unchanged  default         system:serviceaccount:kube-system:job-controller
  Pod/debug          1          0          0       1  -          default         unknown user (system:authenticated)
  most often defaulted (Pods and templates):
    3  spec.containers[*].securityContext.allowPrivilegeEscalation
    3  spec.containers[*].securityContext.capabilities
    3  spec.containers[*].securityContext.readOnlyRootFilesystem
    3  spec.containers[*].securityContext.runAsNonRoot
    3  spec.containers[*].volumeMounts[*]
  top denial reasons (Pods and templates):
    2  spec.containers[*].securityContext.privileged: policy "restricted" (privileged): Privileged containers are not allowed
    1  spec.hostPID: policy "restricted" (hostPID): Host PID is not allowed to be used
`;

const STAGING_BLOCK = `namespace staging (not opted in: no secure-defaults.io/enabled=true label)
  no Pods and no workloads
`;

const KUBE_SYSTEM_BLOCK = `namespace kube-system (not previewed: the webhook configuration excludes it by name, whatever its labels)
`;

const OPS_BLOCK = `namespace ops (opted in)
  not previewed, labelled secure-defaults.io/exempt=true (the webhook is not called): Pod/break-glass
`;

const CONTROLLER_GROUPS = ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"];

describe("preview --cluster: the impact of policies on what runs in a cluster", () => {
  let stub: StubWorkloadApiServer;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    stub = new StubWorkloadApiServer();
    stub.addYaml(SHOP);
    stub.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: "tiny" } });
    stub.add({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "static-web-node-1", namespace: "tiny", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "n1", controller: true }] },
      spec: { nodeName: "node-1", securityContext: {}, containers: [{ name: "web", image: "nginx:1.27", securityContext: { runAsUser: 101 } }] },
    });
    await stub.start();
    dir = tempDir("sd-preview-cluster-");
    kubeconfig = stub.kubeconfig(dir);
  });

  after(async () => {
    await stub?.stop();
    removeDir(dir);
  });

  beforeEach(() => {
    stub.requests.length = 0;
    stub.forbidden = [];
    stub.expireContinue = 0;
  });

  const preview = (...args: string[]) => runCli(["preview", "--cluster", "--kubeconfig", kubeconfig, "--policies", RESTRICTED, ...args]);
  const paths = () => stub.requests.map((r) => `${r.path}?limit=${r.limit ?? ""}${r.continue ? `&continue=${r.continue}` : ""}`);

  const STAGING_ONLY = `${NOTE}\n${STAGING_BLOCK}\ntotal: 1 namespace, 0 Pods (0 unchanged, 0 defaulted, 0 denied), 0 workload templates (0 unchanged, 0 defaulted, 0 denied)\n`;

  it("finds the kubeconfig through $KUBECONFIG", async () => {
    const run = await runCli(["preview", "--cluster", "--namespace", "staging", "--policies", RESTRICTED], { env: { KUBECONFIG: kubeconfig } });
    assert.deepEqual(run, { status: 0, stdout: STAGING_ONLY, stderr: "" });
  });

  it("$KUBECONFIG with several files: merged, as kubectl and client-node do", async () => {
    const elsewhere = join(dir, "elsewhere.yaml");
    writeFileSync(
      elsewhere,
      "apiVersion: v1\nkind: Config\nclusters: [{name: elsewhere, cluster: {server: 'http://127.0.0.1:1'}}]\nusers: [{name: elsewhere, user: {}}]\ncontexts: [{name: elsewhere, context: {cluster: elsewhere, user: elsewhere}}]\n",
    );
    const run = await runCli(["preview", "--cluster", "--namespace", "staging", "--policies", RESTRICTED], { env: { KUBECONFIG: `${elsewhere}${delimiter}${kubeconfig}` } });
    assert.deepEqual(run, { status: 0, stdout: STAGING_ONLY, stderr: "" });
  });

  it("without $KUBECONFIG: $HOME/.kube/config", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    copyFileSync(kubeconfig, join(home, ".kube", "config"));
    const run = await runCli(["preview", "--cluster", "--namespace", "staging", "--policies", RESTRICTED], { env: { HOME: home } });
    assert.deepEqual(run, { status: 0, stdout: STAGING_ONLY, stderr: "" });
  });

  it("prints one table per namespace with the owning workloads, the fields defaulted and the denial reasons; exit 1 when anything is denied", async () => {
    const run = await preview("--namespace", "shop");
    assert.equal(run.stderr, "");
    assert.equal(run.stdout, `${NOTE}\n${SHOP_BLOCK}\ntotal: 1 namespace, 5 Pods (1 unchanged, 2 defaulted, 2 denied), 3 workload templates (1 unchanged, 1 defaulted, 1 denied)\n`);
    assert.equal(run.status, 1);
  });

  it("reads with list calls only, namespaced, authenticated with the kubeconfig's token", async () => {
    await preview("--namespace", "shop");
    assert.deepEqual(paths(), [
      "/api/v1/namespaces/shop?limit=",
      "/api/v1/namespaces/shop/pods?limit=500",
      "/apis/apps/v1/namespaces/shop/deployments?limit=500",
      "/apis/apps/v1/namespaces/shop/statefulsets?limit=500",
      "/apis/apps/v1/namespaces/shop/daemonsets?limit=500",
      "/apis/batch/v1/namespaces/shop/jobs?limit=500",
      "/apis/batch/v1/namespaces/shop/cronjobs?limit=500",
    ]);
    assert.ok(stub.requests.every((r) => r.method === "GET" && r.authorization === `Bearer ${STUB_WORKLOAD_TOKEN}`));
  });

  it("--all-namespaces: every namespace, the one with nothing in it too, and the totals; not the namespaces the webhook never sees, nor exempt Pods", async () => {
    stub.forbidden = [];
    const run = await preview("-A");
    assert.equal(run.stderr, "");
    const tiny = `namespace tiny (not opted in: no secure-defaults.io/enabled=true label)
  1 Pod (0 unchanged, 1 defaulted, 0 denied); 0 workload templates (0 unchanged, 0 defaulted, 0 denied)
  WORKLOAD     PODS  UNCHANGED  DEFAULTED  DENIED  TEMPLATE  SERVICEACCOUNT  REQUESTED AS
  Node/node-1     1          0          1       0  -         default         system:node:node-1
  most often defaulted (Pods and templates):
    1  spec.containers[*].securityContext.allowPrivilegeEscalation
    1  spec.containers[*].securityContext.capabilities
    1  spec.containers[*].securityContext.readOnlyRootFilesystem
    1  spec.containers[*].securityContext.runAsNonRoot
    1  spec.containers[*].volumeMounts[*]
`;
    assert.equal(
      run.stdout,
      `${NOTE}\n${KUBE_SYSTEM_BLOCK}\n${OPS_BLOCK}\n${PAYMENTS_BLOCK}\n${SHOP_BLOCK}\n${STAGING_BLOCK}\n${tiny}\ntotal: 6 namespaces, 7 Pods (1 unchanged, 3 defaulted, 3 denied), 4 workload templates (1 unchanged, 1 defaulted, 2 denied)\n`,
    );
    assert.equal(run.status, 1);
  });

  it("pages through every list with limit and continue (--chunk-size), with the same result", async () => {
    const whole = await preview("-A");
    stub.requests.length = 0;
    const paged = await preview("-A", "--chunk-size", "3");
    assert.equal(paged.stdout, whole.stdout);
    assert.equal(paged.status, 1);
    const enc = (n: number) => Buffer.from(String(n)).toString("base64url");
    assert.deepEqual(paths(), [
      "/api/v1/namespaces?limit=3",
      `/api/v1/namespaces?limit=3&continue=${enc(3)}`,
      "/api/v1/pods?limit=3",
      `/api/v1/pods?limit=3&continue=${enc(3)}`,
      `/api/v1/pods?limit=3&continue=${enc(6)}`,
      "/apis/apps/v1/deployments?limit=3",
      "/apis/apps/v1/statefulsets?limit=3",
      "/apis/apps/v1/daemonsets?limit=3",
      "/apis/batch/v1/jobs?limit=3",
      "/apis/batch/v1/cronjobs?limit=3",
    ]);
  });

  it("an expired continue token (410): the whole list is read again in one call, as client-go's pager does", async () => {
    const whole = await preview("-A");
    stub.requests.length = 0;
    stub.expireContinue = 1;
    const paged = await preview("-A", "--chunk-size", "3");
    assert.equal(paged.stdout, whole.stdout);
    const enc = (n: number) => Buffer.from(String(n)).toString("base64url");
    assert.deepEqual(paths().slice(0, 5), [
      "/api/v1/namespaces?limit=3",
      `/api/v1/namespaces?limit=3&continue=${enc(3)}`,
      "/api/v1/namespaces?limit=",
      "/api/v1/pods?limit=3",
      `/api/v1/pods?limit=3&continue=${enc(3)}`,
    ]);
  });

  it("a namespace with nothing in it: says so, exit 0", async () => {
    const run = await preview("--namespace", "staging");
    assert.deepEqual(run, {
      status: 0,
      stdout: `${NOTE}\n${STAGING_BLOCK}\ntotal: 1 namespace, 0 Pods (0 unchanged, 0 defaulted, 0 denied), 0 workload templates (0 unchanged, 0 defaulted, 0 denied)\n`,
      stderr: "",
    });
  });

  it("without --namespace, the kubeconfig context's namespace", async () => {
    const withNamespace = stub.kubeconfig(dir, { namespace: "staging", file: "staging.yaml" });
    const run = await runCli(["preview", "--cluster", "--kubeconfig", withNamespace, "--policies", RESTRICTED]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(paths()[0], "/api/v1/namespaces/staging?limit=");
  });

  it("-o json: one preview JSON element per object, with the owning workload and the identity assumed", async () => {
    const run = await preview("--namespace", "tiny", "-o", "json");
    assert.equal(run.stderr, "");
    assert.equal(run.status, 0);
    const expected = [
      {
        kind: "Pod",
        name: "static-web-node-1",
        namespace: "tiny",
        allowed: true,
        policy: "restricted",
        patch: [
          { op: "add", path: "/spec/containers/0/securityContext/runAsNonRoot", value: true },
          { op: "add", path: "/spec/containers/0/securityContext/capabilities", value: { drop: ["ALL"] } },
          { op: "add", path: "/spec/containers/0/securityContext/readOnlyRootFilesystem", value: true },
          { op: "add", path: "/spec/containers/0/securityContext/allowPrivilegeEscalation", value: false },
          { op: "add", path: "/spec/containers/0/volumeMounts", value: [{ name: "scratch-tmp", mountPath: "/tmp" }] },
          { op: "add", path: "/spec/securityContext/fsGroup", value: 1 },
          { op: "add", path: "/spec/securityContext/seccompProfile", value: { type: "RuntimeDefault" } },
          { op: "add", path: "/spec/volumes", value: [{ name: "scratch-tmp", emptyDir: {} }] },
        ],
        object: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "static-web-node-1", namespace: "tiny", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "node-1", uid: "n1", controller: true }] },
          spec: {
            nodeName: "node-1",
            securityContext: { fsGroup: 1, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "web",
                image: "nginx:1.27",
                securityContext: { runAsUser: 101, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                volumeMounts: [{ name: "scratch-tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "scratch-tmp", emptyDir: {} }],
          },
        },
        reasons: [
          { path: "spec.securityContext.fsGroup", field: "fsGroup.rule", message: "set fsGroup to 1 (fsGroup rule MustRunAs, the first range's min)" },
          { path: "spec.securityContext.seccompProfile", field: "seccomp.defaultProfile", message: "set seccompProfile to RuntimeDefault (seccomp default profile runtime/default)" },
          {
            path: "spec.containers[0].securityContext.runAsNonRoot",
            field: "podSecurityStandard",
            message: "set runAsNonRoot to true (Pod Security Admission restricted requires runAsNonRoot: true)",
          },
          { path: "spec.containers[0].securityContext.capabilities", field: "requiredDropCapabilities", message: "set capabilities to drop [ALL] (requiredDropCapabilities [ALL])" },
          { path: "spec.containers[0].securityContext.readOnlyRootFilesystem", field: "readOnlyRootFilesystem", message: "set readOnlyRootFilesystem to true (readOnlyRootFilesystem: true)" },
          { path: "spec.containers[0].securityContext.allowPrivilegeEscalation", field: "allowPrivilegeEscalation", message: "set allowPrivilegeEscalation to false (allowPrivilegeEscalation: false)" },
          { path: "spec.volumes[0]", field: "scratchSpace[0]", message: 'added emptyDir volume "scratch-tmp" for scratch space at /tmp (scratchSpace[0])' },
          {
            path: "spec.containers[0].volumeMounts[0]",
            field: "scratchSpace[0]",
            message: 'mounted "scratch-tmp" at /tmp: writable scratch space, since the root filesystem was made read-only (scratchSpace[0])',
          },
        ],
        violations: [],
        warnings: [],
        apiDefaults: [],
        workload: { kind: "Node", name: "node-1" },
        identity: {
          userInfo: { username: "system:node:node-1", groups: ["system:nodes", "system:authenticated"] },
          serviceAccount: { namespace: "tiny", name: "default" },
          assumed: "the mirror of a static Pod, created by the kubelet of node node-1",
        },
      },
    ];
    assert.equal(run.stdout, `${JSON.stringify(expected, null, 2)}\n`);
  });

  it("-o json of denied objects: a workload's template and its Pod, each with its violations; exit 1", async () => {
    const run = await preview("--namespace", "payments", "-o", "json");
    assert.equal(run.stderr, "");
    assert.equal(run.status, 1);
    const identity = {
      userInfo: { username: "system:serviceaccount:kube-system:daemon-set-controller", groups: CONTROLLER_GROUPS },
      serviceAccount: { namespace: "payments", name: "log-agent" },
      assumed: "created by the DaemonSet controller",
    };
    const container = { name: "agent", image: "registry.example.com/ops/log-agent:3", volumeMounts: [{ name: "logs", mountPath: "/var/log", readOnly: true }] };
    const expected = [
      {
        kind: "DaemonSet",
        name: "log-agent",
        namespace: "payments",
        allowed: false,
        policy: null,
        patch: [],
        object: {
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          metadata: { name: "log-agent", namespace: "payments", uid: "1b6f0c9e-0006" },
          spec: {
            selector: { matchLabels: { app: "log-agent" } },
            template: {
              metadata: { labels: { app: "log-agent" } },
              spec: { serviceAccountName: "log-agent", containers: [container], volumes: [{ name: "logs", hostPath: { path: "/var/log" } }] },
            },
          },
        },
        reasons: [],
        violations: [{ path: "spec.template.spec.volumes[0].hostPath", message: 'policy "restricted" (volumes): hostPath volumes are not allowed to be used' }],
        warnings: [],
        apiDefaults: [],
        workload: { kind: "DaemonSet", name: "log-agent" },
        identity,
      },
      {
        kind: "Pod",
        name: "log-agent-x2k9q",
        namespace: "payments",
        allowed: false,
        policy: null,
        patch: [],
        object: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: "log-agent-x2k9q",
            namespace: "payments",
            labels: { app: "log-agent" },
            ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "log-agent", uid: "1b6f0c9e-0006", controller: true, blockOwnerDeletion: true }],
          },
          spec: {
            serviceAccountName: "log-agent",
            serviceAccount: "log-agent",
            nodeName: "node-1",
            securityContext: {},
            containers: [container],
            volumes: [{ name: "logs", hostPath: { path: "/var/log", type: "" } }],
          },
          status: { phase: "Running" },
        },
        reasons: [],
        violations: [{ path: "spec.volumes[0].hostPath", message: 'policy "restricted" (volumes): hostPath volumes are not allowed to be used' }],
        warnings: [],
        apiDefaults: [],
        workload: { kind: "DaemonSet", name: "log-agent" },
        identity,
      },
    ];
    assert.equal(run.stdout, `${JSON.stringify(expected, null, 2)}\n`);
  });

  it("-o json: a Deployment's Pods are owned by the Deployment (through the ReplicaSet's name), a CronJob's through its Job; bare Pods by nobody", async () => {
    const run = await preview("--namespace", "shop", "-o", "json");
    const entries = JSON.parse(run.stdout) as { kind: string; name: string; workload: unknown; identity: { userInfo: { username: string }; serviceAccount: { name: string } } }[];
    assert.deepEqual(
      entries.map((e) => [`${e.kind}/${e.name}`, e.workload, e.identity.userInfo.username, e.identity.serviceAccount.name]),
      [
        ["Deployment/web", { kind: "Deployment", name: "web" }, "system:serviceaccount:kube-system:replicaset-controller", "web"],
        ["StatefulSet/db", { kind: "StatefulSet", name: "db" }, "system:serviceaccount:kube-system:statefulset-controller", "default"],
        ["CronJob/report", { kind: "CronJob", name: "report" }, "system:serviceaccount:kube-system:job-controller", "default"],
        ["Pod/db-0", { kind: "StatefulSet", name: "db" }, "system:serviceaccount:kube-system:statefulset-controller", "default"],
        ["Pod/debug", null, "", "default"],
        ["Pod/report-29411460-q7x2p", { kind: "CronJob", name: "report" }, "system:serviceaccount:kube-system:job-controller", "default"],
        ["Pod/web-7c9d8f6b5-abcde", { kind: "Deployment", name: "web" }, "system:serviceaccount:kube-system:replicaset-controller", "web"],
        ["Pod/web-7c9d8f6b5-fghij", { kind: "Deployment", name: "web" }, "system:serviceaccount:kube-system:replicaset-controller", "web"],
      ],
    );
  });

  it("a forbidden list: names the resource, the namespace and the RBAC needed; exit 2, nothing on stdout", async () => {
    stub.forbidden = [{ resource: "deployments", namespace: "shop" }];
    const run = await preview("--namespace", "shop");
    assert.deepEqual(run, {
      status: 2,
      stdout: "",
      stderr:
        'secure-defaults preview: cannot list deployments.apps in namespace "shop": forbidden (403): deployments.apps is forbidden: User "jane@example.com" cannot list resource "deployments" in API group "apps" in the namespace "shop". ' +
        'The cluster preview needs read-only RBAC: "list" on "deployments" (API group "apps") in namespace "shop" (see docs/install.md, "Preview a namespace before opting it in")\n',
    });
  });

  it("docs/install.md shows the forbidden-list message exactly as printed", async () => {
    stub.forbidden = [{ resource: "deployments", namespace: "shop" }];
    const run = await preview("--namespace", "shop");
    assert.ok(readFileSync(join(REPO_ROOT, "docs/install.md"), "utf8").includes(`\n${run.stderr}`), run.stderr);
  });

  it("a forbidden list across all namespaces asks for a ClusterRole", async () => {
    stub.forbidden = [{ resource: "pods", namespace: "*" }];
    const run = await preview("-A");
    assert.equal(run.status, 2);
    assert.equal(
      run.stderr,
      'secure-defaults preview: cannot list pods in all namespaces: forbidden (403): pods is forbidden: User "jane@example.com" cannot list resource "pods" in API group "" at the cluster scope. ' +
        'The cluster preview needs read-only RBAC: "list" on "pods" (API group "") in all namespaces (a ClusterRole bound by a ClusterRoleBinding) (see docs/install.md, "Preview a namespace before opting it in")\n',
    );
  });

  it("a namespace that does not exist, and an API server that does not answer: exit 2 with the reason", async () => {
    const missing = await preview("--namespace", "nope");
    assert.deepEqual(missing, { status: 2, stdout: "", stderr: 'secure-defaults preview: namespace "nope" does not exist\n' });
    const nowhere = join(dir, "nowhere.yaml");
    const text = readFileSync(kubeconfig, "utf8").replace(/127\.0\.0\.1:\d+/, "127.0.0.1:1");
    writeFileSync(nowhere, text);
    const down = await runCli(["preview", "--cluster", "--kubeconfig", nowhere, "--namespace", "shop", "--policies", RESTRICTED]);
    assert.equal(down.status, 2);
    assert.match(down.stderr, /^secure-defaults preview: cannot get namespaces "shop": the API server at http:\/\/127\.0\.0\.1:1 did not answer: .*ECONNREFUSED/);
  });

  it("no kubeconfig anywhere: says how to give one; exit 2", async () => {
    // No KUBERNETES_SERVICE_HOST in the environment given: not in a Pod, even where a token is mounted.
    const run = await runCli(["preview", "--cluster", "--policies", RESTRICTED], { env: { HOME: dir } });
    assert.deepEqual(run, { status: 2, stdout: "", stderr: "secure-defaults preview: no kubeconfig found ($KUBECONFIG unset, no ~/.kube/config, not in a Pod): give --kubeconfig PATH\n" });
  });

  it("refuses flags that do not go together, with the usage; exit 2", async () => {
    const cases: [string[], string][] = [
      [["preview", "--cluster", "--policies", RESTRICTED, "pod.yaml"], '--cluster reads the cluster: give no FILE (got "pod.yaml")'],
      [["preview", "--cluster", "--policies", RESTRICTED, "-o", "yaml"], 'with --cluster, -o must be table or json, not "yaml"'],
      [["preview", "--cluster", "--policies", RESTRICTED, "--namespace", "a", "-A"], "give --namespace NS or --all-namespaces, not both"],
      [["preview", "--cluster", "--policies", RESTRICTED, "--operation", "UPDATE"], "--cluster previews CREATE only (as each Pod would be created again)"],
      [["preview", "--cluster", "--policies", RESTRICTED, "--chunk-size", "0"], '--chunk-size must be a positive whole number, not "0"'],
      [["preview", "--kubeconfig", "k.yaml", "--policies", RESTRICTED, "pod.yaml"], "--kubeconfig needs --cluster"],
      [["preview", "-A", "--policies", RESTRICTED, "pod.yaml"], "--all-namespaces needs --cluster"],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      assert.equal(run.status, 2, args.join(" "));
      assert.equal(run.stdout, "");
      assert.ok(run.stderr.startsWith(`secure-defaults preview: ${message}\n\nUsage: secure-defaults preview`), `${args.join(" ")}: ${run.stderr.split("\n")[0]}`);
    }
  });

  it("--default-policy must name a loaded policy", async () => {
    const run = await preview("--namespace", "shop", "--default-policy", "strict");
    assert.deepEqual(run, { status: 2, stdout: "", stderr: 'secure-defaults preview: --default-policy "strict" is not one of the loaded policies (restricted)\n' });
  });
});

// The ```console cluster examples of README.md and docs/install.md, run as written (through the CLI's
// commands, in this process) against the stub serving test/fixtures/cluster/shop.yaml, with $KUBECONFIG
// pointing at it. (test/readme.test.ts runs the plain ```console examples, which need no cluster.)
describe("preview --cluster: the documentation's examples", () => {
  let stub: StubWorkloadApiServer;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    stub = new StubWorkloadApiServer();
    stub.addYaml(SHOP);
    await stub.start();
    dir = tempDir("sd-preview-cluster-docs-");
    kubeconfig = stub.kubeconfig(dir);
  });

  after(async () => {
    await stub?.stop();
    removeDir(dir);
  });

  for (const file of ["README.md", "docs/install.md"]) {
    const blocks = [...readFileSync(join(REPO_ROOT, file), "utf8").matchAll(/```console cluster\n([\s\S]*?)```/g)].map((m) => m[1]);
    it(`${file} has a cluster example`, () => assert.ok(blocks.length >= 1));
    for (const block of blocks) {
      const [command, ...rest] = block.trimEnd().split("\n");
      const exit = /^\[exit (\d+)\]$/.exec(rest.at(-1) ?? "");
      const output = (exit ? rest.slice(0, -1) : rest).map((l) => `${l}\n`).join("");
      it(`${file}: ${command}`, async () => {
        assert.match(command, /^\$ secure-defaults /);
        const run = await runCli(command.slice("$ secure-defaults ".length).split(" "), { env: { KUBECONFIG: kubeconfig } });
        assert.equal(run.stdout + run.stderr, output);
        assert.equal(run.status, exit ? Number(exit[1]) : 0);
      });
    }
  }
});
