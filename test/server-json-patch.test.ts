// The independent RFC 6902 applier the server tests use to check the webhook's patches, checked against
// examples from RFC 6902 appendix A.
import assert from "node:assert/strict";
import { applyJsonPatch } from "./support/server-json-patch.js";

describe("server tests' JSON Patch applier (RFC 6902 appendix A)", () => {
  it("adds object members and array elements, including at the end", () => {
    assert.deepEqual(applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }]), { foo: "bar", baz: "qux" });
    assert.deepEqual(applyJsonPatch({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }]), { foo: ["bar", "qux", "baz"] });
    assert.deepEqual(applyJsonPatch({ foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }]), { foo: ["bar", ["abc", "def"]] });
  });

  it("removes, replaces, moves, copies and tests", () => {
    assert.deepEqual(applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }]), { foo: "bar" });
    assert.deepEqual(applyJsonPatch({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }]), { foo: ["bar", "baz"] });
    assert.deepEqual(applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }]), { baz: "boo", foo: "bar" });
    assert.deepEqual(
      applyJsonPatch({ foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } }, [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }]),
      { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
    );
    assert.deepEqual(applyJsonPatch({ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }]), { foo: ["all", "cows", "eat", "grass"] });
    assert.deepEqual(applyJsonPatch({ a: { b: 1 } }, [{ op: "copy", from: "/a", path: "/c" }]), { a: { b: 1 }, c: { b: 1 } });
    assert.deepEqual(applyJsonPatch({ baz: "qux", foo: ["a", 2, "c"] }, [{ op: "test", path: "/baz", value: "qux" }, { op: "test", path: "/foo/1", value: 2 }]), { baz: "qux", foo: ["a", 2, "c"] });
  });

  it("unescapes ~1 and ~0 in pointers", () => {
    assert.deepEqual(applyJsonPatch({ "a/b": 1, "m~n": 2 }, [{ op: "replace", path: "/a~1b", value: 3 }, { op: "remove", path: "/m~0n" }]), { "a/b": 3 });
  });

  it("fails on what RFC 6902 calls errors, and never changes its input", () => {
    const doc = { foo: "bar", list: [1] };
    assert.throws(() => applyJsonPatch(doc, [{ op: "test", path: "/baz", value: "bar" }]));
    assert.throws(() => applyJsonPatch(doc, [{ op: "add", path: "/baz/bat", value: "qux" }]), /does not exist/);
    assert.throws(() => applyJsonPatch(doc, [{ op: "replace", path: "/nope", value: 1 }]));
    assert.throws(() => applyJsonPatch(doc, [{ op: "add", path: "/list/5", value: 1 }]), /out of range/);
    assert.throws(() => applyJsonPatch(doc, [{ op: "remove", path: "/list/01" }]), /not an array index/);
    assert.throws(() => applyJsonPatch(doc, [{ op: "frobnicate", path: "/foo" }]), /unknown op/);
    assert.deepEqual(doc, { foo: "bar", list: [1] });
  });
});
