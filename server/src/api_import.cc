#include "api.h"

#include <set>

#include "api_internal.h"
#include "zkwiki/encoding.h"
#include "zkwiki/revision.h"

namespace zkwiki::server {

// ---------------------------------------------------------------------------------------------
// Creating many pages in one request (an import): every page's first revision record and its
// content blob, stored in one atomic write.

namespace {

constexpr std::size_t kMaxBatchPages = 1000;

struct Frame {
  std::string page;  // 32 hex
  std::string_view record, blob;
};

std::uint32_t read_u32(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])); };
  return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

// Splits the body into frames: page id[16] | u32 record length | record | u32 blob length |
// blob (lengths big-endian). Returns false (with `why`) for anything else.
bool split_frames(std::string_view body, std::vector<Frame>& out, std::string& why) {
  std::size_t at = 0;
  while (at < body.size()) {
    if (out.size() == kMaxBatchPages) return (why = "more than 1000 pages in one batch", false);
    if (body.size() - at < 20) return (why = "frame " + std::to_string(out.size()) + " is cut short", false);
    Frame f;
    f.page = zkwiki::to_hex(as_span(body.substr(at, 16)));
    const std::uint32_t rlen = read_u32(body, at + 16);
    at += 20;
    if (rlen > kMaxRecordBytes || body.size() - at < std::size_t{rlen} + 4)
      return (why = "frame " + std::to_string(out.size()) + ": bad record length", false);
    f.record = body.substr(at, rlen);
    at += rlen;
    const std::uint32_t blen = read_u32(body, at);
    at += 4;
    if (body.size() - at < blen) return (why = "frame " + std::to_string(out.size()) + ": bad blob length", false);
    f.blob = body.substr(at, blen);
    at += blen;
    out.push_back(f);
  }
  if (out.empty()) return (why = "no pages in the batch", false);
  return true;
}

}  // namespace

Response Api::create_pages(Ctx& c, const std::string& ws, const std::string& coll) {
  Response err;
  if (!authorize(c, ws, &coll, Need::write, err)) return err;
  if (c.req.header("content-type") != "application/vnd.zkwiki.page-batch")
    return error(415, "unsupported_media_type", "send Content-Type: application/vnd.zkwiki.page-batch");
  std::vector<Frame> frames;
  std::string why;
  if (!split_frames(c.req.body, frames, why)) return error(400, "bad_request", why);

  std::vector<NewPage> pages;
  pages.reserve(frames.size());
  std::set<std::string> seen;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    const std::string at = "page " + std::to_string(i) + " (" + f.page + "): ";
    if (!seen.insert(f.page).second) return error(400, "bad_request", at + "named twice in one batch");
    NewPage p{f.page, {}, Bytes(f.record), {}, Bytes(f.blob)};
    // The same checks as a single create (PUT with If-None-Match: *), and the blob must be the
    // one the record names.
    RevisionRecord rec;
    if (!check_revision(c, ws, coll, f.page, std::nullopt, p.record, err, &rec)) return err;
    const Hash256 blob = blob_id(as_span(f.blob));
    if (rec.envelope_id != blob || rec.envelope_size != f.blob.size())
      return error(400, "invalid_record", at + "the blob is not the one the record names");
    p.revision = rec.hash().hex();
    p.blob_id = blob.hex();
    pages.push_back(std::move(p));
  }

  auto r = store_.create_pages(ws, coll, pages, Charge{c.who.token.account_id, config_.quota_bytes});
  if (!r.ok()) return store_error(r.status);
  json arr = json::array();
  std::int64_t last = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const CreatedPage& p = r.value[i];
    const Head head = p.created ? Head{pages[i].page, pages[i].revision, p.seq} : p.current.value_or(Head{});
    arr.push_back(json{{"page_id", pages[i].page}, {"created", p.created}, {"revision", head.revision},
                       {"seq", head.seq}});
    last = std::max(last, p.seq);
  }
  if (last > 0) notifier_.notify(ws, last);
  return json_response(200, json{{"pages", arr}});
}

}  // namespace zkwiki::server
