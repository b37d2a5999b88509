import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bwrapArgs, childPidOf, type SandboxView, viewProblems } from "./bwrap.ts";

const view: SandboxView = {
  readWrite: ["/root/.cache/mooring/stacks/team-a.web-x1"],
  readOnly: [
    "/root/.cache/mooring/toolchain-v1/opentofu/bin/tofu",
    "/root/.cache/mooring/toolchain-v1/null/mirror",
  ],
  system: ["/etc/resolv.conf", "/etc/ssl/certs"],
  network: true,
  cwd: "/root/.cache/mooring/stacks/team-a.web-x1/repo/infra",
  env: { PATH: "/usr/bin:/bin", HOME: "/root/.cache/mooring/stacks/team-a.web-x1/home" },
};

/** The pairs and triples of the argument list, as `flag a b` strings, for order-free checks. */
function binds(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--bind" || args[i] === "--ro-bind" || args[i] === "--ro-bind-try")
      out.push(`${args[i]} ${args[i + 1]} ${args[i + 2]}`);
  }
  return out;
}

describe("bwrapArgs", () => {
  it("shows each listed path at the same absolute path, read-only or read-write as asked", () => {
    const args = bwrapArgs(view, "/root/.cache/mooring/toolchain-v1/opentofu/bin/tofu", ["plan"], 2);
    assert.deepEqual(binds(args), [
      "--ro-bind /usr /usr",
      "--ro-bind-try /etc/resolv.conf /etc/resolv.conf",
      "--ro-bind-try /etc/ssl/certs /etc/ssl/certs",
      "--bind /root/.cache/mooring/stacks/team-a.web-x1 /root/.cache/mooring/stacks/team-a.web-x1",
      "--ro-bind-try /root/.cache/mooring/toolchain-v1/null/mirror /root/.cache/mooring/toolchain-v1/null/mirror",
      "--ro-bind-try /root/.cache/mooring/toolchain-v1/opentofu/bin/tofu /root/.cache/mooring/toolchain-v1/opentofu/bin/tofu",
    ]);
  });

  it("runs as nobody in its own user, PID and IPC namespaces, dying with its parent", () => {
    const args = bwrapArgs(view, "/bin/tofu", [], 3);
    for (const flag of [
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--die-with-parent",
      "--as-pid-1",
    ]) {
      assert.ok(args.includes(flag), flag);
    }
    assert.equal(args[args.indexOf("--uid") + 1], "65534");
    assert.equal(args[args.indexOf("--json-status-fd") + 1], "3");
  });

  it("makes the root read-only after every mount, so only the listed folders and /tmp take writes", () => {
    const args = bwrapArgs(view, "/bin/tofu", [], 3);
    const remount = args.indexOf("--remount-ro");
    assert.equal(args[remount + 1], "/");
    assert.ok(remount > args.lastIndexOf("--bind") && remount > args.lastIndexOf("--ro-bind-try"));
  });

  it("cuts the network only when the view has none", () => {
    assert.ok(!bwrapArgs(view, "/bin/tofu", [], 3).includes("--unshare-net"));
    assert.ok(bwrapArgs({ ...view, network: false }, "/bin/helm", [], 2).includes("--unshare-net"));
  });

  it("clears the environment and sets only the given variables", () => {
    const args = bwrapArgs(view, "/bin/tofu", [], 3);
    const clear = args.indexOf("--clearenv");
    assert.ok(clear > 0);
    const set = args.flatMap((a, i) => (a === "--setenv" ? [`${args[i + 1]}=${args[i + 2]}`] : []));
    assert.deepEqual(set, ["HOME=/root/.cache/mooring/stacks/team-a.web-x1/home", "PATH=/usr/bin:/bin"]);
    assert.ok(args.indexOf("--setenv") > clear);
  });

  it("puts the program after --, so no argument of it is read as a bwrap option", () => {
    const args = bwrapArgs(view, "/bin/tofu", ["--bind", "/", "/"], 2);
    const dash = args.indexOf("--");
    assert.deepEqual(args.slice(dash), ["--", "/bin/tofu", "--bind", "/", "/"]);
    assert.equal(binds(args.slice(0, dash)).filter((b) => b === "--bind / /").length, 0);
  });

  it("mounts a folder after the folder it lies in; a path listed both ways is read-only", () => {
    const args = bwrapArgs(
      { ...view, readWrite: ["/w/run"], readOnly: ["/w/run/config.tfrc", "/w"], cwd: "/w/run" },
      "/bin/tofu",
      [],
      2,
    );
    assert.deepEqual(binds(args).slice(3), [
      "--ro-bind-try /w /w",
      "--bind /w/run /w/run",
      "--ro-bind-try /w/run/config.tfrc /w/run/config.tfrc",
    ]);
    const both = bwrapArgs({ ...view, readWrite: ["/w"], readOnly: ["/w"], cwd: "/w" }, "/bin/tofu", [], 2);
    assert.ok(binds(both).includes("--ro-bind-try /w /w"));
    assert.ok(!binds(both).includes("--bind /w /w"));
  });

  it("refuses relative or dotted paths, a working folder outside the view and bad variable names", () => {
    assert.deepEqual(
      viewProblems({ ...view, readOnly: ["relative/tofu", "/a/../etc"], env: { "A=B": "x" } }),
      [
        'path "relative/tofu" is not an absolute, normalised path',
        'path "/a/../etc" is not an absolute, normalised path',
        'environment variable name "A=B" is invalid',
      ],
    );
    assert.deepEqual(viewProblems({ ...view, cwd: "/root" }), ["working folder /root is not in the view"]);
    assert.throws(() => bwrapArgs({ ...view, cwd: "/root" }, "/bin/tofu", [], 2), /working folder \/root/);
  });
});

describe("bwrapArgs as root (setuid)", () => {
  const tofu = "/root/.cache/mooring/toolchain-v1/opentofu/bin/tofu";
  const args = bwrapArgs(view, tofu, ["plan"], 3, "setuid");

  it("starts the program through setpriv as the host's uid 65534, without capabilities", () => {
    const program = args.slice(args.indexOf("--") + 1);
    assert.deepEqual(program, [
      "/usr/bin/setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
      tofu,
      "plan",
    ]);
    assert.ok(!args.includes("--unshare-user"), "no user namespace: the uid is a real one");
  });

  it("makes the empty folders leading to mount points traversable, before anything is mounted in them", () => {
    const dirs: string[] = [];
    for (let i = 0; i < args.length; i++) if (args[i] === "--dir") dirs.push(args[i + 1] as string);
    assert.deepEqual(dirs, [
      "/etc",
      "/root",
      "/etc/ssl",
      "/root/.cache",
      "/root/.cache/mooring",
      "/root/.cache/mooring/stacks",
      "/root/.cache/mooring/toolchain-v1",
      "/root/.cache/mooring/toolchain-v1/null",
      "/root/.cache/mooring/toolchain-v1/opentofu",
      "/root/.cache/mooring/toolchain-v1/opentofu/bin",
    ]);
    assert.equal(args[args.indexOf("/root") - 2], "0755");
    assert.ok(args.indexOf("/root") < args.indexOf("--bind"), "folders first, then the mounts");
  });

  it("keeps the user namespace when the controller is not root", () => {
    const plain = bwrapArgs(view, tofu, ["plan"], 3);
    assert.ok(plain.includes("--unshare-user"));
    assert.ok(!plain.includes("/usr/bin/setpriv"));
    assert.ok(!plain.includes("--dir"));
  });
});

describe("childPidOf", () => {
  it("reads the program's PID from bwrap's status line", () => {
    assert.equal(childPidOf('{ "child-pid": 9999, "ipc-namespace": 4026532180 }'), 9999);
    assert.equal(childPidOf('{ "exit-code": 3 }'), undefined);
  });
});
