// Writes that name the revision their text was read from (WriteOptions::base_revision): two
// devices of one account, one reads, the other edits and writes, then the first writes its edit.
// Without a base the first device's write replaced the other's edit (7 of 16 lines lost in a
// fresh user's two-device loop through the MCP server); with it the edits merge, or overlapping
// ones are refused with nothing written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client_fixture.h"
#include "support/fails_with.h"

namespace zkwiki {
namespace {

using test::FailsWith;

// 16 numbered lines; `edits` replaces some of them.
std::string lines(const std::vector<std::pair<int, std::string>>& edits = {}) {
  std::string out;
  for (int i = 1; i <= 16; ++i) {
    std::string line = "line " + std::to_string(i);
    for (const auto& [n, text] : edits)
      if (n == i) line = text;
    out += line + "\n";
  }
  return out;
}

class BaseRevisionTest : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    ASSERT_TRUE(a_->write(kPath, lines()).ok());
    b_ = login_b(options());
    ASSERT_TRUE(b_);
    ASSERT_TRUE(b_->sync().ok());
  }
  static constexpr const char* kPath = "notes/shared.md";
  std::unique_ptr<Client> b_;
};

TEST_F(BaseRevisionTest, ReadWithRevisionGivesTheRevisionOfTheTextRead) {
  auto head = a_->read_with_revision(kPath);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->revision, 1u);
  EXPECT_EQ(head->content.body, lines());
  ASSERT_TRUE(a_->write(kPath, lines({{1, "first"}})).ok());
  head = a_->read_with_revision(kPath);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->revision, 2u);
  auto old = a_->read_with_revision(kPath, 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->revision, 1u);
  EXPECT_EQ(old->content.body, lines());
}

// (1) Non-overlapping edits: both are in the final head on both devices; no line is lost.
TEST_F(BaseRevisionTest, AnEditBasedOnAnOlderRevisionMergesTheOtherDevicesEditInsteadOfDroppingIt) {
  auto read = a_->read_with_revision(kPath);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->revision, 1u);
  // B edits lines 2..8 and writes; A syncs (as every MCP call and CLI command does first).
  const std::string by_b = lines({{2, "b2"}, {3, "b3"}, {4, "b4"}, {5, "b5"}, {6, "b6"}, {7, "b7"}, {8, "b8"}});
  ASSERT_TRUE(b_->write(kPath, by_b).ok());
  ASSERT_TRUE(a_->sync().ok());
  // A writes its edit of the text it read (lines 13 and 15), naming revision 1 as its base.
  auto w = a_->write(kPath, lines({{13, "a13"}, {15, "a15"}}), WriteOptions{.base_revision = read->revision});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->merged);
  EXPECT_FALSE(w->conflict);
  EXPECT_EQ(w->revision, 3u);
  const std::string both =
      lines({{2, "b2"}, {3, "b3"}, {4, "b4"}, {5, "b5"}, {6, "b6"}, {7, "b7"}, {8, "b8"}, {13, "a13"}, {15, "a15"}});
  EXPECT_EQ(body_of(*a_, kPath), both);
  ASSERT_TRUE(b_->sync().ok());
  EXPECT_EQ(body_of(*b_, kPath), both);
}

// (2) Overlapping edits: a typed conflict naming the page, the base and the head; nothing
// written (B's text is the head on the server and on both devices).
TEST_F(BaseRevisionTest, OverlappingEditsBasedOnAnOlderRevisionAreRefusedAndNothingIsWritten) {
  auto read = a_->read_with_revision(kPath);
  ASSERT_TRUE(read.ok());
  const std::string by_b = lines({{5, "five, as b wrote it"}});
  ASSERT_TRUE(b_->write(kPath, by_b).ok());
  ASSERT_TRUE(a_->sync().ok());
  auto w = a_->write(kPath, lines({{5, "five, as a wrote it"}}), WriteOptions{.base_revision = read->revision});
  ASSERT_TRUE(FailsWith(w, Errc::conflict, kPath));
  EXPECT_NE(w.error().message.find("since revision 1"), std::string::npos) << w.error().message;
  EXPECT_NE(w.error().message.find("head is now revision 2"), std::string::npos) << w.error().message;
  EXPECT_NE(w.error().message.find("nothing was written"), std::string::npos) << w.error().message;
  EXPECT_EQ(body_of(*a_, kPath), by_b);
  EXPECT_EQ(a_->log(kPath)->size(), 2u);
  ASSERT_TRUE(b_->sync().ok());
  EXPECT_EQ(body_of(*b_, kPath), by_b);
  EXPECT_EQ(b_->log(kPath)->size(), 2u);
  // Re-read and edit again: written.
  auto again = a_->read_with_revision(kPath);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revision, 2u);
  auto w2 = a_->write(kPath, lines({{5, "five, as a wrote it"}}), WriteOptions{.base_revision = again->revision});
  ASSERT_TRUE(w2.ok()) << w2.error().message;
  EXPECT_FALSE(w2->merged);
  EXPECT_EQ(w2->revision, 3u);
}

// A has not synced B's write: its base is its head, the compare-and-swap loses, and the merge
// against the head it then learns follows the same rules.
TEST_F(BaseRevisionTest, ARaceLostAtTheServerFollowsTheSameRules) {
  ASSERT_TRUE(b_->write(kPath, lines({{1, "b1"}})).ok());
  auto clean = a_->write(kPath, lines({{16, "a16"}}), WriteOptions{.base_revision = 1});
  ASSERT_TRUE(clean.ok()) << clean.error().message;
  EXPECT_TRUE(clean->merged);
  EXPECT_EQ(body_of(*a_, kPath), lines({{1, "b1"}, {16, "a16"}}));
  ASSERT_TRUE(b_->sync().ok());
  ASSERT_TRUE(b_->write(kPath, lines({{1, "b1"}, {16, "a16"}, {8, "b8"}})).ok());
  auto overlap = a_->write(kPath, lines({{1, "b1"}, {16, "a16"}, {8, "a8"}}), WriteOptions{.base_revision = 3});
  ASSERT_TRUE(FailsWith(overlap, Errc::conflict, "head is now revision 4"));
  ASSERT_TRUE(b_->sync().ok());
  EXPECT_EQ(body_of(*b_, kPath), lines({{1, "b1"}, {16, "a16"}, {8, "b8"}}));
  EXPECT_EQ(b_->log(kPath)->size(), 4u);
}

TEST_F(BaseRevisionTest, BaseZeroCreatesOnlyAndAnUnknownBaseIsNotFound) {
  // Base 0: the text is a new page. Where one exists, nothing is written.
  auto exists = a_->write(kPath, "a new page\n", WriteOptions{.base_revision = 0});
  ASSERT_TRUE(FailsWith(exists, Errc::conflict, "a page already exists at notes/shared.md"));
  EXPECT_EQ(body_of(*a_, kPath), lines());
  auto fresh = a_->write("notes/new.md", "a new page\n", WriteOptions{.base_revision = 0});
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(fresh->revision, 1u);
  // A base this device has not seen, or of a page it does not have.
  ASSERT_TRUE(FailsWith(a_->write(kPath, "x\n", WriteOptions{.base_revision = 7}), Errc::not_found, "sync first"));
  ASSERT_TRUE(FailsWith(a_->write("notes/none.md", "x\n", WriteOptions{.base_revision = 2}), Errc::not_found,
                        "no page at notes/none.md"));
  EXPECT_EQ(a_->log(kPath)->size(), 1u);
}

TEST_F(BaseRevisionTest, AnEditOfAPageDeletedSinceItsBaseIsRefused) {
  ASSERT_TRUE(b_->remove(kPath).ok());
  ASSERT_TRUE(a_->sync().ok());
  auto w = a_->write(kPath, lines({{3, "three"}}), WriteOptions{.base_revision = 1});
  ASSERT_TRUE(FailsWith(w, Errc::conflict, "was deleted since revision 1"));
  EXPECT_EQ(a_->read(kPath).error().code, Errc::not_found);
}

// OnConflict::mark (zkwiki edit: the user's edited text is never thrown away): both versions
// kept in one revision, between markers.
TEST_F(BaseRevisionTest, MarkKeepsBothVersionsOfOverlappingEdits) {
  ASSERT_TRUE(b_->write(kPath, lines({{5, "by b"}})).ok());
  ASSERT_TRUE(a_->sync().ok());
  auto w = a_->write(kPath, lines({{5, "by a"}}), WriteOptions{.base_revision = 1, .on_conflict = OnConflict::mark});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->conflict);
  const std::string text = body_of(*a_, kPath);
  EXPECT_NE(text.find("by a"), std::string::npos);
  EXPECT_NE(text.find("by b"), std::string::npos);
  EXPECT_NE(text.find("<<<<<<<"), std::string::npos);
}


// Device B offline: its writes wait in the queue. Two edits of one base (as `zkwiki put --base 1`
// twice) both reach the head after sync, as they would online; the second used to replace the
// first in the queue.
TEST_F(BaseRevisionTest, TwoOfflineEditsOfOneBaseAreMergedInTheQueueNotReplaced) {
  net_b_->offline = true;
  auto first = b_->write(kPath, lines({{3, "b3"}}), WriteOptions{.base_revision = 1});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->queued);
  auto second = b_->write(kPath, lines({{6, "b6"}}), WriteOptions{.base_revision = 1});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second->queued);
  EXPECT_TRUE(second->merged);
  EXPECT_FALSE(second->conflict);
  // Read offline: the queued text, with the queued edit's base. An edit of that text written
  // back with that base keeps the queued changes.
  auto read = b_->read_with_revision(kPath);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->revision, 1u);
  EXPECT_EQ(read->content.body, lines({{3, "b3"}, {6, "b6"}}));
  std::string edited = read->content.body;
  edited.replace(edited.find("line 9\n"), 7, "b9\n");
  auto third = b_->write(kPath, edited, WriteOptions{.base_revision = read->revision});
  ASSERT_TRUE(third.ok()) << third.error().message;
  const std::string all = lines({{3, "b3"}, {6, "b6"}, {9, "b9"}});
  EXPECT_EQ(body_of(*b_, kPath), all);
  auto listed = b_->list("notes/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE((*listed)[0].queued);
  // Back online: one revision with all three edits, on both devices.
  net_b_->offline = false;
  ASSERT_TRUE(b_->sync().ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, kPath), all);
  EXPECT_EQ(a_->log(kPath)->size(), 2u);
}

// Overlapping offline edits of one base follow WriteOptions::on_conflict, as online: refused with
// the queue unchanged, or both kept between markers.
TEST_F(BaseRevisionTest, OverlappingOfflineEditsOfOneBaseAreRefusedOrMarked) {
  net_b_->offline = true;
  const std::string first = lines({{5, "five, first"}});
  ASSERT_TRUE(b_->write(kPath, first, WriteOptions{.base_revision = 1}).ok());
  auto refused = b_->write(kPath, lines({{5, "five, second"}}), WriteOptions{.base_revision = 1});
  ASSERT_TRUE(FailsWith(refused, Errc::conflict, "offline queue"));
  EXPECT_NE(refused.error().message.find("nothing was written"), std::string::npos) << refused.error().message;
  EXPECT_EQ(body_of(*b_, kPath), first);
  auto marked = b_->write(kPath, lines({{5, "five, second"}}),
                          WriteOptions{.base_revision = 1, .on_conflict = OnConflict::mark});
  ASSERT_TRUE(marked.ok()) << marked.error().message;
  EXPECT_TRUE(marked->queued);
  EXPECT_TRUE(marked->conflict);
  net_b_->offline = false;
  ASSERT_TRUE(b_->sync().ok());
  ASSERT_TRUE(a_->sync().ok());
  const std::string text = body_of(*a_, kPath);
  EXPECT_NE(text.find("five, first"), std::string::npos) << text;
  EXPECT_NE(text.find("five, second"), std::string::npos) << text;
  EXPECT_NE(text.find("<<<<<<<"), std::string::npos) << text;
}

// A base this device has not synced cannot be merged with the queued edit: refused, the queue
// unchanged. A write with no base still replaces the queued text (the documented overwrite).
TEST_F(BaseRevisionTest, AnOfflineEditOfAnUnknownBaseIsRefusedAndNoBaseStillOverwrites) {
  net_b_->offline = true;
  const std::string first = lines({{3, "b3"}});
  ASSERT_TRUE(b_->write(kPath, first, WriteOptions{.base_revision = 1}).ok());
  auto unknown = b_->write(kPath, lines({{6, "b6"}}), WriteOptions{.base_revision = 4});
  ASSERT_TRUE(FailsWith(unknown, Errc::not_found, "revision 4 of notes/shared.md"));
  EXPECT_NE(unknown.error().message.find("queued edit is kept"), std::string::npos) << unknown.error().message;
  EXPECT_EQ(body_of(*b_, kPath), first);
  auto overwrite = b_->write(kPath, lines({{6, "b6"}}));
  ASSERT_TRUE(overwrite.ok()) << overwrite.error().message;
  EXPECT_EQ(body_of(*b_, kPath), lines({{6, "b6"}}));
  net_b_->offline = false;
  ASSERT_TRUE(b_->sync().ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, kPath), lines({{6, "b6"}}));
}


// A page made offline has no revision yet: read offline it gives base 0 with the queued text,
// and an edit of that text written back with base 0 is that edit, not a conflict.
TEST_F(BaseRevisionTest, AQueuedNewPageEditedOfflineWithTheBaseItsReadGivesIsThatEdit) {
  net_b_->offline = true;
  ASSERT_TRUE(b_->write("notes/fresh.md", "one\ntwo\n", WriteOptions{.base_revision = 0}).ok());
  auto read = b_->read_with_revision("notes/fresh.md");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->revision, 0u);
  auto w = b_->write("notes/fresh.md", read->content.body + "three\n", WriteOptions{.base_revision = read->revision});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->queued);
  EXPECT_FALSE(w->conflict);
  net_b_->offline = false;
  ASSERT_TRUE(b_->sync().ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, "notes/fresh.md"), "one\ntwo\nthree\n");
}

// WriteOptions::base_page: a revision number alone cannot tell the page read from another that
// took its path. Here the page read moves away and a new page is made at its path; both are at
// revision 1 there when the edit is written.
class BasePageTest : public BaseRevisionTest {
 protected:
  void SetUp() override {
    BaseRevisionTest::SetUp();
    auto read = a_->read_with_revision(kPath);
    ASSERT_TRUE(read.ok()) << read.error().message;
    read_ = *read;
  }
  // B moves the page A read away and makes another page at its path.
  void ReplaceThePageAtItsPath() {
    ASSERT_TRUE(b_->move(kPath, kMoved).ok());
    ASSERT_TRUE(b_->write(kPath, kOther).ok());
    ASSERT_TRUE(a_->sync().ok());
  }
  static constexpr const char* kMoved = "notes/moved.md";
  static constexpr const char* kOther = "another page, made where the first one was\n";
  PageRead read_;
};

TEST_F(BasePageTest, ReadWithRevisionGivesThePageThatWritesName) {
  auto w = a_->write(kPath, lines({{1, "first"}}), WriteOptions{.base_revision = 1, .base_page = read_.page});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(read_.page, w->page);
  EXPECT_FALSE(read_.page.is_zero());
  auto old = a_->read_with_revision(kPath, 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->page, w->page);
  // A page made offline has no id the server knows yet: zero, which a write does not check.
  net_b_->offline = true;
  ASSERT_TRUE(b_->write("notes/fresh.md", "one\n", WriteOptions{.base_revision = 0}).ok());
  auto fresh = b_->read_with_revision("notes/fresh.md");
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_TRUE(fresh->page.is_zero());
  auto again = b_->write("notes/fresh.md", "one\ntwo\n", WriteOptions{.base_revision = 0, .base_page = fresh->page});
  ASSERT_TRUE(again.ok()) << again.error().message;
}

TEST_F(BasePageTest, AnEditOfAPageThatMovedAwayIsRefusedWhereAnotherPageTookItsPath) {
  ReplaceThePageAtItsPath();
  auto refused = a_->write(kPath, lines({{5, "five, as a wrote it"}}),
                           WriteOptions{.base_revision = read_.revision, .base_page = read_.page});
  ASSERT_TRUE(FailsWith(refused, Errc::conflict, "now at notes/moved.md"));
  EXPECT_NE(refused.error().message.find("nothing was written"), std::string::npos) << refused.error().message;
  // Nothing was written: both pages are as B left them, here and on the server.
  ASSERT_TRUE(b_->sync().ok());
  for (Client* c : {a_.get(), b_.get()}) {
    EXPECT_EQ(body_of(*c, kPath), kOther);
    EXPECT_EQ(body_of(*c, kMoved), lines());
    EXPECT_EQ(c->log(kPath)->size(), 1u);
  }
  // Written where its page is now, the same edit merges with the move.
  auto moved = a_->write(kMoved, lines({{5, "five, as a wrote it"}}),
                         WriteOptions{.base_revision = read_.revision, .base_page = read_.page});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(body_of(*a_, kMoved), lines({{5, "five, as a wrote it"}}));
  EXPECT_EQ(body_of(*a_, kPath), kOther);
}

// A page deleted and written again at its path is still that page (its next revision): an edit
// of it merges as usual. One moved away and deleted there, with a new page at its old path, is not.
TEST_F(BasePageTest, AnEditOfAPageMovedAwayAndDeletedIsRefusedWhereAnotherPageTookItsPath) {
  ASSERT_TRUE(b_->move(kPath, kMoved).ok());
  ASSERT_TRUE(b_->remove(kMoved).ok());
  ASSERT_TRUE(b_->write(kPath, kOther).ok());
  ASSERT_TRUE(a_->sync().ok());
  auto refused = a_->write(kPath, lines({{2, "two"}}), WriteOptions{.base_revision = 1, .base_page = read_.page});
  ASSERT_TRUE(FailsWith(refused, Errc::conflict, "is not the page this edit was read from (that page moved or was deleted)"));
  EXPECT_EQ(body_of(*a_, kPath), kOther);
}

// A device that has not synced the move learns of it when its compare-and-swap loses: its write
// would have moved the page back to the old path. Refused, with or without a base, nothing written.
TEST_F(BasePageTest, AWriteThatLosesTheRaceToAMoveIsRefusedNotMovedBack) {
  for (const WriteOptions& options : {WriteOptions{.base_revision = 1, .base_page = read_.page}, WriteOptions{}}) {
    ASSERT_TRUE(b_->sync().ok());
    ASSERT_TRUE(b_->move(kPath, kMoved).ok());  // A has not synced it
    auto refused = a_->write(kPath, lines({{4, "four"}}), options);
    ASSERT_TRUE(FailsWith(refused, Errc::conflict, "was moved to notes/moved.md by another device"));
    EXPECT_NE(refused.error().message.find("nothing was written"), std::string::npos) << refused.error().message;
    ASSERT_TRUE(b_->move(kMoved, kPath).ok());
    ASSERT_TRUE(a_->sync().ok());
  }
  ASSERT_TRUE(b_->sync().ok());
  EXPECT_EQ(body_of(*b_, kPath), lines());
  EXPECT_EQ(b_->log(kPath)->size(), 5u);  // made, then moved away and back twice: no edit
  EXPECT_EQ(b_->list("")->size(), 1u);
}

// Moved, then deleted at its new path: written at the old path it would come back there.
TEST_F(BasePageTest, AWriteThatLosesTheRaceToAMoveAndADeletionIsRefused) {
  ASSERT_TRUE(b_->move(kPath, kMoved).ok());
  ASSERT_TRUE(b_->remove(kMoved).ok());
  ASSERT_TRUE(b_->write(kPath, kOther).ok());
  auto refused = a_->write(kPath, lines({{4, "four"}}), WriteOptions{.base_revision = 1, .on_conflict = OnConflict::mark});
  ASSERT_TRUE(FailsWith(refused, Errc::conflict, "was moved to notes/moved.md by another device"));
  ASSERT_TRUE(a_->sync().ok());
  auto listed = a_->list("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);  // one live page at kPath: B's
  EXPECT_EQ(body_of(*a_, kPath), kOther);
}

TEST_F(BasePageTest, TheSameChecksHoldForEditsWaitingInTheOfflineQueue) {
  auto read = b_->read_with_revision(kPath);
  ASSERT_TRUE(read.ok());
  net_b_->offline = true;
  ASSERT_TRUE(b_->move(kPath, kMoved).ok());
  ASSERT_TRUE(b_->write(kPath, kOther, WriteOptions{.base_revision = 0}).ok());
  auto refused = b_->write(kPath, lines({{7, "seven"}}), WriteOptions{.base_revision = 1, .base_page = read->page});
  ASSERT_TRUE(FailsWith(refused, Errc::conflict, "notes/shared.md is not the page this edit was read from"));
  EXPECT_NE(refused.error().message.find("nothing was written"), std::string::npos) << refused.error().message;
  EXPECT_EQ(body_of(*b_, kPath), kOther);
  // The page read, at its queued place, takes the edit.
  auto moved = b_->write(kMoved, lines({{7, "seven"}}), WriteOptions{.base_revision = 1, .base_page = read->page});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  net_b_->offline = false;
  ASSERT_TRUE(b_->sync().ok());
  ASSERT_TRUE(a_->sync().ok());
  EXPECT_EQ(body_of(*a_, kPath), kOther);
  EXPECT_EQ(body_of(*a_, kMoved), lines({{7, "seven"}}));
}

}  // namespace
}  // namespace zkwiki
