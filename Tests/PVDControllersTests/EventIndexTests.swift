import PVDControllers
import PVDModel
import Testing

/// The informer's event index: what a run's EventRecorder folds repeats into, kept one watch
/// event at a time instead of rebuilt from every Event on each run.
struct EventIndexTests {
    private let claim = ObjectReference(kind: "PersistentVolumeClaim", namespace: "default", name: "data", uid: "u1")

    private func event(_ name: String, reason: String = "ProvisioningSucceeded", message: String = "made pv-1", count: Int? = nil) -> Event {
        var e = Event(
            name: name, namespace: "default", involvedObject: claim, type: .normal, reason: reason, message: message,
            at: Time(seconds: 100))
        e.count = count
        return e
    }

    /// What a fresh run's recorder writes over `index` for a controller reporting the stored
    /// events' decision again (with `message`).
    private func recordRepeat(in index: EventIndex, message: String = "made pv-1") -> StoreWriteIntent? {
        var recorder = EventRecorder(index: index)
        return recorder.record(repeatOf(message: message), at: Time(seconds: 200))
    }

    private func repeatOf(message: String = "made pv-1") -> BinderEvent {
        BinderEvent(object: claim, type: .normal, reason: "ProvisioningSucceeded", message: message)
    }

    @Test func aRepeatOfAnIndexedEventCountsIntoIt() {
        var index = EventIndex()
        index.apply(event("data.1"), deleted: false)
        var recorder = EventRecorder(index: index)
        guard case .update(let folded) = recorder.record(repeatOf(), at: Time(seconds: 200)) else {
            Issue.record("the repeat was not folded into the stored event")
            return
        }
        #expect(folded.metadata.name == "data.1")
        #expect(folded.count == 2)
        #expect(folded.lastTimestamp == Time(seconds: 200))
        // Once per recorder: the same decision on a later pass of the run writes nothing.
        #expect(recorder.record(repeatOf(), at: Time(seconds: 201)) == nil)
    }

    /// A repeat of an event stored less than a minute ago writes nothing: under a stream of
    /// changes a Pending claim's FailedBinding is not rewritten on every pass.
    @Test func aRecentRepeatIsHeldBack() {
        var index = EventIndex()
        index.apply(event("data.1"), deleted: false)
        var recorder = EventRecorder(index: index)
        #expect(recorder.record(repeatOf(), at: Time(seconds: 100 + EventRecorder.repeatInterval - 1)) == nil)
        var later = EventRecorder(index: index)
        guard case .update(let folded) = later.record(repeatOf(), at: Time(seconds: 100 + EventRecorder.repeatInterval)) else {
            Issue.record("a repeat a minute later was not folded in")
            return
        }
        #expect(folded.count == 2)
    }

    /// A recorder reads the informer's index as it is now, not as it was when the run began:
    /// the index is shared, so the informer folding in a change copies nothing.
    @Test func aSharedIndexShowsTheRecorderWhatArrivedAfterItStarted() {
        let shared = SharedEventIndex()
        var recorder = EventRecorder(index: shared)
        shared.apply(event("data.1"), deleted: false)
        guard case .update(let folded) = recorder.record(repeatOf(), at: Time(seconds: 200)) else {
            Issue.record("the event stored after the recorder began was not folded into")
            return
        }
        #expect(folded.metadata.name == "data.1")
        shared.apply(event("data.1"), deleted: true)
        #expect(shared.count == 0)
    }

    @Test func aModifiedEventReplacesItsOlderVersion() {
        var index = EventIndex()
        index.apply(event("data.1", count: 1), deleted: false)
        index.apply(event("data.1", count: 5), deleted: false)
        #expect(index.count == 1)
        guard case .update(let folded) = recordRepeat(in: index) else {
            Issue.record("not folded")
            return
        }
        #expect(folded.count == 6)
    }

    @Test func anEventWhoseMessageChangedNoLongerFoldsTheOldMessage() {
        var index = EventIndex()
        index.apply(event("data.1", message: "first"), deleted: false)
        index.apply(event("data.1", message: "second"), deleted: false)
        guard case .create = recordRepeat(in: index, message: "first") else {
            Issue.record("a message no stored event has any more was folded")
            return
        }
        guard case .update = recordRepeat(in: index, message: "second") else {
            Issue.record("the current message was not folded")
            return
        }
    }

    @Test func deletingTheEventASlotHoldsEmptiesIt() {
        var index = EventIndex()
        index.apply(event("data.1"), deleted: false)
        index.apply(event("data.1"), deleted: true)
        #expect(index.count == 0)
        guard case .create(let made) = recordRepeat(in: index) else {
            Issue.record("a deleted event was counted into")
            return
        }
        #expect(made.metadata.name != "data.1")
    }

    @Test func deletingAnOlderDuplicateKeepsTheSlotOfTheNewerOne() {
        // Two stored events that fold together: the slot is the later one's, and deleting the
        // earlier must not empty it.
        var index = EventIndex()
        index.apply(event("data.1"), deleted: false)
        index.apply(event("data.2"), deleted: false)
        index.apply(event("data.1"), deleted: true)
        #expect(index.count == 1)
        guard case .update(let folded) = recordRepeat(in: index) else {
            Issue.record("the surviving duplicate was not folded into")
            return
        }
        #expect(folded.metadata.name == "data.2")
    }

    @Test func aListBuildsTheSameIndexAsWatchEvents() {
        let events = [event("data.1", reason: "A"), event("data.2", reason: "B"), event("data.3", reason: "C")]
        var watched = EventIndex()
        for e in events { watched.apply(e, deleted: false) }
        let listed = EventIndex(events)
        #expect(listed.count == 3)
        #expect(Set(listed.byKey.keys) == Set(watched.byKey.keys))
        #expect(listed.byKey.mapValues { $0.reason } == watched.byKey.mapValues { $0.reason })
    }
}
