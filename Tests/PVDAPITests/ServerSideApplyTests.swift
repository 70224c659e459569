import Foundation
import PVDModel
import Testing

@testable import PVDAPI

/// Server-side apply's rules over plain values: which fields a value sets, how an apply merges,
/// removes and conflicts, and how other writes move ownership.
struct ServerSideApplyTests {
    static func value(_ json: String) -> JSONValue {
        (try? JSONCoding.shared.decode(JSONValue.self, from: Array(json.utf8))) ?? .null
    }

    static let now = Time(seconds: 1_800_000_000)

    // MARK: Field sets

    @Test(arguments: [
        (#"{"metadata":{"labels":{"a":"1"}}}"#, #"{"f:metadata":{"f:labels":{"f:a":{}}}}"#),
        // An atomic list is one leaf; a set list one leaf per value.
        (#"{"spec":{"accessModes":["ReadWriteOnce"]},"metadata":{"finalizers":["x","y"]}}"#,
         #"{"f:metadata":{"f:finalizers":{"v:\"x\"":{},"v:\"y\"":{}}},"f:spec":{"f:accessModes":{}}}"#),
        // A keyed list: each element by its key, the element itself a member (".") with its fields.
        (#"{"spec":{"containers":[{"name":"app","image":"busybox"}]}}"#,
         #"{"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}"#),
        // A struct Kubernetes marks atomic is one leaf, whatever it holds.
        (#"{"spec":{"selector":{"matchLabels":{"a":"b"}}}}"#, #"{"f:spec":{"f:selector":{}}}"#),
        // An empty map is a leaf of its own.
        (#"{"metadata":{"labels":{}}}"#, #"{"f:metadata":{"f:labels":{}}}"#),
    ])
    func theFieldsAValueSets(object: String, fields: String) throws {
        let set = try FieldSet.of(Self.value(object))
        #expect(set.fieldsV1 == Self.value(fields))
        // And the stored trie reads back as the same set.
        #expect(try FieldSet(fieldsV1: Self.value(fields)) == set)
    }

    @Test(arguments: [
        (#"{"spec":{"containers":[{"image":"x"}]}}"#, "without its key"),
        (#"{"spec":{"containers":[{"name":"a"},{"name":"a"}]}}"#, "duplicate entries"),
    ])
    func aKeyedListThatBreaksItsKeysIsRefused(object: String, problem: String) {
        #expect {
            _ = try FieldSet.of(Self.value(object))
        } throws: { error in
            "\(error)".contains(problem) && "\(error)".contains(".spec.containers")
        }
    }

    @Test func aTrieWithAForeignKeyIsRefused() {
        #expect(throws: FieldSet.Failure.self) { try FieldSet(fieldsV1: Self.value(#"{"f:a":{"x:b":{}}}"#)) }
        #expect(throws: FieldSet.Failure.self) { try FieldSet(fieldsV1: Self.value(#"{"f:a":[]}"#)) }
    }

    @Test(arguments: [
        (["f:spec", "f:resources", "f:requests", "f:storage"], ".spec.resources.requests.storage"),
        (["f:spec", #"k:{"name":"app"}"#, "f:image"], #".spec[name="app"].image"#),
        (["f:metadata", "f:finalizers", #"v:"x""#], #".metadata.finalizers[="x"]"#),
    ])
    func pathsPrintAsKubernetesPrintsThem(path: [String], printed: String) {
        #expect(FieldSet.describe(path) == printed)
    }

    // MARK: Apply

    static let claim = #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c","labels":{"a":"1","b":"2"}},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#

    func apply(_ config: String, to live: JSONValue?, managed: [ManagedFieldsEntry]?, manager: String = "kubectl", force: Bool = false) throws(ServerSideApply.Failure) -> ServerSideApply.Outcome {
        try ServerSideApply.apply(Self.value(config), to: live, managed: managed, manager: manager, force: force, apiVersion: "v1", now: Self.now)
    }

    @Test func aCreateOwnsWhatItAppliedAndNoStatus() throws {
        let config = Self.claim.replacingOccurrences(of: #""spec""#, with: #""status":{"phase":"Bound"},"spec""#)
        let out = try apply(config, to: nil, managed: nil)
        #expect(out.object["status"] == nil)
        let entry = try #require(out.managedFields?.first)
        #expect(entry.manager == "kubectl" && entry.operation == "Apply" && entry.apiVersion == "v1" && entry.time == Self.now)
        let fields = try FieldSet(fieldsV1: try #require(entry.fieldsV1))
        #expect(fields.contains(["f:metadata", "f:labels", "f:a"]))
        #expect(fields.contains(["f:spec", "f:resources", "f:requests", "f:storage"]))
        #expect(!fields.hasMember(atOrBelow: ["f:status"]) && !fields.hasMember(atOrBelow: ["f:metadata", "f:name"]))
    }

    @Test func reapplyingTheSameConfigurationChangesNothing() throws {
        let first = try apply(Self.claim, to: nil, managed: nil)
        let again = try ServerSideApply.apply(
            Self.value(Self.claim), to: first.object, managed: first.managedFields, manager: "kubectl", force: false, apiVersion: "v1",
            now: Time(seconds: Self.now.seconds + 60))
        #expect(again.object == first.object)
        #expect(again.managedFields == first.managedFields, "only the time would move: the entries stay as stored")
    }

    @Test func aFieldLeftOutIsRemovedUnlessAnotherManagerOwnsIt() throws {
        let first = try apply(Self.claim, to: nil, managed: nil)
        // Another manager sets label c and co-owns label b (same value).
        var live = first.object
        live = ServerSideApply.merge(Self.value(#"{"metadata":{"labels":{"c":"3","b":"2"}}}"#), into: live, field: nil)
        let managed = ManagedFields.afterUpdate(
            old: first.object, new: live, managed: first.managedFields, manager: "kubectl-label", apiVersion: "v1", subresource: nil, now: Self.now)
        var shared = try #require(managed)
        // The label write changed c only; b stays kubectl's alone unless the other claims it too.
        let labeler = ManagedFields.owners(shared).first { $0.entry.manager == "kubectl-label" }
        #expect(labeler?.fields.contains(["f:metadata", "f:labels", "f:c"]) == true)
        #expect(labeler?.fields.contains(["f:metadata", "f:labels", "f:b"]) == false)
        // Make b co-owned.
        if let i = shared.firstIndex(where: { $0.manager == "kubectl-label" }) {
            let both = FieldSet.single(["f:metadata", "f:labels", "f:b"]).union(FieldSet.single(["f:metadata", "f:labels", "f:c"]))
            shared[i].fieldsV1 = both.fieldsV1
        }
        let config = Self.claim.replacingOccurrences(of: #","b":"2""#, with: "").replacingOccurrences(of: #""a":"1""#, with: #""x":"9""#)
        let out = try apply(config, to: live, managed: shared)
        #expect(out.object["metadata"]?["labels"] == Self.value(#"{"x":"9","b":"2","c":"3"}"#), "a dropped; b co-owned stays; c never kubectl's")
        let mine = ManagedFields.owners(out.managedFields).first { $0.entry.manager == "kubectl" }
        #expect(mine?.fields.contains(["f:metadata", "f:labels", "f:x"]) == true)
        #expect(mine?.fields.contains(["f:metadata", "f:labels", "f:a"]) == false)
    }

    @Test func anotherValueForAnotherManagersFieldConflictsUnlessForced() throws {
        let first = try apply(Self.claim, to: nil, managed: nil)
        let live = ServerSideApply.merge(Self.value(#"{"metadata":{"labels":{"a":"changed"}}}"#), into: first.object, field: nil)
        let managed = ManagedFields.afterUpdate(
            old: first.object, new: live, managed: first.managedFields, manager: "kubectl-label", apiVersion: "v1", subresource: nil, now: Self.now)
        #expect {
            _ = try apply(Self.claim, to: live, managed: managed)
        } throws: { error in
            guard case ServerSideApply.Failure.conflicts(let list) = error else { return false }
            return list.count == 1 && list[0].owner.entry.manager == "kubectl-label" && list[0].path == ["f:metadata", "f:labels", "f:a"]
        }
        // The same value is no conflict: both own the field.
        let same = Self.claim.replacingOccurrences(of: #""a":"1""#, with: #""a":"changed""#)
        let shared = try apply(same, to: live, managed: managed)
        let owners = ManagedFields.owners(shared.managedFields)
        #expect(owners.filter { $0.fields.contains(["f:metadata", "f:labels", "f:a"]) }.count == 2)
        // Forced, the field changes hands and the other manager, left with nothing, goes.
        let forced = try apply(Self.claim, to: live, managed: managed, force: true)
        #expect(forced.object["metadata"]?["labels"]?["a"] == .string("1"))
        #expect(forced.managedFields?.map(\.manager) == ["kubectl"])
    }

    @Test func keyedListsMergeByKeyAndSetListsAsSets() throws {
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["a/x"]},"spec":{"containers":[{"name":"app","image":"one"}]}}"#
        let first = try apply(pod, to: nil, managed: nil)
        // Another manager adds a container and a finalizer.
        let live = ServerSideApply.merge(
            Self.value(#"{"metadata":{"finalizers":["b/y"]},"spec":{"containers":[{"name":"side","image":"two"}]}}"#), into: first.object, field: nil)
        #expect(live["spec"]?["containers"] == Self.value(#"[{"name":"app","image":"one"},{"name":"side","image":"two"}]"#))
        #expect(live["metadata"]?["finalizers"] == Self.value(#"["a/x","b/y"]"#))
        let managed = ManagedFields.afterUpdate(
            old: first.object, new: live, managed: first.managedFields, manager: "other", apiVersion: "v1", subresource: nil, now: Self.now)
        // kubectl now applies neither its finalizer nor its container's image, and renames nothing.
        let next = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app"}]}}"#
        let out = try apply(next, to: live, managed: managed)
        #expect(out.object["spec"]?["containers"] == Self.value(#"[{"name":"app"},{"name":"side","image":"two"}]"#))
        #expect(out.object["metadata"]?["finalizers"] == Self.value(#"["b/y"]"#))
    }

    @Test func aConfigurationWithManagedFieldsIsRefused() {
        let config = #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c","managedFields":[{"manager":"x"}]}}"#
        #expect(throws: ServerSideApply.Failure.invalid("metadata.managedFields must be nil")) { try apply(config, to: nil, managed: nil) }
    }

    // MARK: Updates and messages

    @Test func anUpdateTakesWhatItChangedAndANoOpKeepsTheEntries() throws {
        let created = Self.value(Self.claim)
        let onCreate = try #require(ManagedFields.afterUpdate(old: nil, new: created, managed: nil, manager: "kubectl-create", apiVersion: "v1", subresource: nil, now: Self.now))
        #expect(onCreate.count == 1 && onCreate[0].operation == "Update")
        let same = ManagedFields.afterUpdate(old: created, new: created, managed: onCreate, manager: "other", apiVersion: "v1", subresource: nil, now: Self.now)
        #expect(same == onCreate)
        let edited = ServerSideApply.merge(Self.value(#"{"metadata":{"labels":{"a":"new","b":null}}}"#), into: created, field: nil)
        let after = ManagedFields.owners(ManagedFields.afterUpdate(old: created, new: edited, managed: onCreate, manager: "edit", apiVersion: "v1", subresource: nil, now: Self.now))
        let creator = after.first { $0.entry.manager == "kubectl-create" }
        let editor = after.first { $0.entry.manager == "edit" }
        #expect(editor?.fields.contains(["f:metadata", "f:labels", "f:a"]) == true)
        #expect(creator?.fields.contains(["f:metadata", "f:labels", "f:a"]) == false, "a changed hands")
        #expect(creator?.fields.hasMember(atOrBelow: ["f:metadata", "f:labels", "f:b"]) == false, "b was removed: nobody owns it")
        #expect(creator?.fields.contains(["f:spec", "f:accessModes"]) == true)
        // A status write tracks status only, under its subresource.
        let status = ManagedFields.afterUpdate(
            old: created, new: ServerSideApply.merge(Self.value(#"{"status":{"phase":"Bound"}}"#), into: created, field: nil), managed: onCreate,
            manager: "pvd", apiVersion: "v1", subresource: "status", now: Self.now)
        #expect(status?.last?.subresource == "status" && status?.last?.fieldsV1 == Self.value(#"{"f:status":{"f:phase":{}}}"#))
    }

    @Test func theManagerIsTheFieldManagerElseTheUserAgentsProduct() {
        #expect(ManagedFields.manager(fieldManager: "mine", userAgent: "kubectl/v1.32.0 (linux/amd64)") == "mine")
        #expect(ManagedFields.manager(fieldManager: nil, userAgent: "kubectl/v1.32.0 (linux/amd64) kubernetes/abc") == "kubectl")
        #expect(ManagedFields.manager(fieldManager: "", userAgent: "") == "unknown")
    }

    @Test func conflictsAreWordedAsKubernetesWordsThem() {
        var label = ManagedFieldsEntry()
        label.manager = "kubectl-label"
        label.operation = "Update"
        label.apiVersion = "v1"
        label.time = Self.now
        var applier = ManagedFieldsEntry()
        applier.manager = "ci"
        applier.operation = "Apply"
        let one = ServerSideApply.status([.init(owner: .init(entry: label, fields: .empty), path: ["f:metadata", "f:labels", "f:a"])], kind: .persistentVolumeClaim, name: "c")
        #expect(one.code == 409 && one.reason == "Conflict")
        #expect(one.message == #"Apply failed with 1 conflict: conflict with "kubectl-label" using v1 at 2027-01-15T08:00:00Z: .metadata.labels.a"#)
        #expect(one.causes == [.init(reason: "FieldManagerConflict", message: #"conflict with "kubectl-label" using v1 at 2027-01-15T08:00:00Z"#, field: ".metadata.labels.a")])
        let two = ServerSideApply.status([
            .init(owner: .init(entry: label, fields: .empty), path: ["f:metadata", "f:labels", "f:a"]),
            .init(owner: .init(entry: applier, fields: .empty), path: ["f:spec", "f:storageClassName"]),
        ], kind: .persistentVolumeClaim, name: "c")
        #expect(two.message == "Apply failed with 2 conflicts: conflicts with \"ci\":\n- .spec.storageClassName\nconflicts with \"kubectl-label\" using v1 at 2027-01-15T08:00:00Z:\n- .metadata.labels.a")
    }
}
