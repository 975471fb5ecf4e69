// AdmissionReview v1 bodies as the API server sends them for a Pod CREATE made by a ReplicaSet: the Pod
// already carries the API server's defaults and the ServiceAccount plugin's token volume, as a mutating
// webhook sees it. The 3-container Pod is a typical Deployment Pod (app, proxy sidecar, log shipper).

type Json = Record<string, unknown>;

const TOKEN_VOLUME = {
  name: "kube-api-access-7k2mq",
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
  },
};

const COMMON = {
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
  imagePullPolicy: "IfNotPresent",
};

function appContainer(name: string): Json {
  return {
    name,
    image: "registry.example.com/shop/checkout:2.14.3",
    args: ["--listen=:8080", "--metrics=:9090"],
    ports: [
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ],
    env: [
      { name: "LOG_LEVEL", value: "info" },
      { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "checkout-db", key: "password" } } },
    ],
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    livenessProbe: { httpGet: { path: "/healthz", port: "http", scheme: "HTTP" }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: "/readyz", port: "http", scheme: "HTTP" }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    volumeMounts: [
      { name: "config", mountPath: "/etc/checkout", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
      { name: TOKEN_VOLUME.name, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
    ],
    ...COMMON,
  };
}

function proxyContainer(name: string): Json {
  return {
    name,
    image: "registry.example.com/mesh/proxy:1.31.2",
    args: ["proxy", "sidecar", "--concurrency=2"],
    ports: [{ name: "proxy-admin", containerPort: 15000, protocol: "TCP" }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    // A sidecar that already sets part of its own securityContext.
    securityContext: { allowPrivilegeEscalation: false },
    volumeMounts: [{ name: TOKEN_VOLUME.name, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true }],
    ...COMMON,
  };
}

function logContainer(name: string): Json {
  return {
    name,
    image: "registry.example.com/observability/log-shipper:3.2.0",
    args: ["-c", "/etc/shipper/shipper.conf"],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    volumeMounts: [
      { name: "shipper-config", mountPath: "/etc/shipper", readOnly: true },
      { name: "tmp", mountPath: "/var/log/app", readOnly: true },
    ],
    ...COMMON,
  };
}

/** `count` containers: app, proxy, log shipper, app-3, proxy-4, ... (the 3-container Pod is the typical one). */
export function containers(count: number): Json[] {
  const makers = [appContainer, proxyContainer, logContainer];
  const base = ["checkout", "proxy", "log-shipper"];
  return Array.from({ length: count }, (_, i) => makers[i % 3](i < 3 ? base[i] : `${base[i % 3]}-${i}`));
}

export function pod(namespace: string, containerCount: number): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: "checkout-7d9f8b6c5d-",
      namespace,
      labels: { app: "checkout", "app.kubernetes.io/part-of": "shop", "pod-template-hash": "7d9f8b6c5d" },
      annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9090" },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "checkout-7d9f8b6c5d", uid: "0c9c0c38-7a1e-4c1f-9d43-5a1a4c8b1e21", controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      volumes: [
        { name: "config", configMap: { name: "checkout-config", defaultMode: 420 } },
        { name: "shipper-config", configMap: { name: "log-shipper", defaultMode: 420 } },
        { name: "tmp", emptyDir: {} },
        TOKEN_VOLUME,
      ],
      containers: containers(containerCount),
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "checkout",
      serviceAccount: "checkout",
      securityContext: {},
      schedulerName: "default-scheduler",
      tolerations: [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: {},
  };
}

export function uid(i: number): string {
  const hex = i.toString(16).padStart(12, "0");
  return `5b6f1c0e-2a4d-4e8b-9c3f-${hex}`;
}

export function admissionReview(namespace: string, containerCount: number, i: number): Json {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: uid(i),
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      namespace,
      operation: "CREATE",
      userInfo: {
        username: "system:serviceaccount:kube-system:replicaset-controller",
        uid: "8d1e0c4b-61a4-4f6e-bb0f-2f0c6a7d8e90",
        groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"],
      },
      object: pod(namespace, containerCount),
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  };
}

/** Namespace names used by the growth runs: ns-00000, ns-00001, ... */
export function namespaceName(i: number): string {
  return `ns-${String(i).padStart(5, "0")}`;
}

/**
 * `count` distinct bodies (distinct uids), their namespaces spread evenly over `namespaces`.
 * autocannon cycles through them on each connection.
 */
export function bodies(namespaces: readonly string[], containerCount: number, count = 64): string[] {
  return Array.from({ length: count }, (_, i) => {
    const ns = namespaces[Math.floor((i * namespaces.length) / count) % namespaces.length];
    return JSON.stringify(admissionReview(ns, containerCount, i));
  });
}
