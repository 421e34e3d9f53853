#include "api.h"

#include <optional>

#include "api_internal.h"
#include "zkwiki/account.h"
#include "zkwiki/primitives.h"

namespace zkwiki::server {

namespace {

Response invalid_record(std::string_view message) {
  return Api::error(400, "invalid_record", message);
}

// `record` decoded as the AccountRecord of account `id` whose login key is `login_pk`, or
// nullopt with the 400 answer in `err`.
std::optional<AccountRecord> account_record(const std::string& id, const Bytes& login_pk,
                                            const Bytes& record, Response& err) {
  auto rec = AccountRecord::decode(as_span(record));
  if (!rec) {
    err = invalid_record("record is not a valid account record: " + rec.error().message);
    return std::nullopt;
  }
  if (rec->id.hex() != id) {
    err = invalid_record("the account record belongs to another account id");
    return std::nullopt;
  }
  if (to_bytes(rec->login_public_key) != login_pk) {
    err = invalid_record("login_public_key is not the login key in the account record");
    return std::nullopt;
  }
  return std::move(rec).value();
}

// The public keys of the stored record of an account (nullopt if it does not decode).
std::optional<PublicKeys> stored_public_keys(const Account& a) {
  auto rec = AccountRecord::decode(as_span(a.record));
  if (!rec) return std::nullopt;
  return rec->public_keys;
}

}  // namespace

Response Api::create_account(Ctx& c) {
  json j;
  Response err;
  std::string id;
  Bytes pk, record;
  if (!parse_body(c.req, j, err) || !get_id(j, "account_id", id, err) ||
      !get_b64(j, "login_public_key", 32, pk, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  if (pk.size() != 32) return error(400, "bad_request", "login_public_key must be 32 bytes");
  if (!account_record(id, pk, record, err)) return err;
  Status s = store_.create_account(Account{id, pk, record, 0, 0});
  if (!s.ok()) return store_error(s);
  Response r = json_response(201, json{{"account_id", id}});
  r.set("Location", "/v1/accounts/" + id);
  return r;
}

Response Api::get_account(Ctx&, const std::string& id) {
  auto a = store_.get_account(id);
  if (!a.ok()) return store_error(a.status);
  return json_response(200, json{{"account_id", id},
                                 {"login_public_key", base64_of(a.value.login_public_key)},
                                 {"record", base64_of(a.value.record)}});
}

Response Api::update_account(Ctx& c, const std::string& id) {
  Response err;
  if (!authenticate(c, err)) return err;
  if (c.who.token.scoped || c.who.token.account_id != id)
    return error(403, "forbidden", "only the account's own session can update it");
  json j;
  Bytes pk, record;
  if (!parse_body(c.req, j, err) || !get_b64(j, "login_public_key", 32, pk, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err))
    return err;
  if (pk.size() != 32) return error(400, "bad_request", "login_public_key must be 32 bytes");
  auto rec = account_record(id, pk, record, err);
  if (!rec) return err;
  auto a = store_.get_account(id);
  if (!a.ok()) return store_error(a.status);
  // A passphrase change re-wraps the same account keys; the keys themselves never change.
  if (stored_public_keys(a.value) != rec->public_keys)
    return invalid_record("the new record must keep the account's public keys");
  // The old passphrase may be compromised: every other session of the account ends here.
  Status s = store_.update_account(id, pk, record, c.who.token.hash);
  if (!s.ok()) return store_error(s);
  return json_response(200, json{{"account_id", id}});
}

Response Api::recover_account(Ctx& c, const std::string& id) {
  json j;
  Response err;
  Bytes ch, pk, record, sig;
  if (!parse_body(c.req, j, err) || !get_b64(j, "challenge", 32, ch, err) ||
      !get_b64(j, "login_public_key", 32, pk, err) ||
      !get_b64(j, "record", kMaxRecordBytes, record, err) ||
      !get_b64(j, "signature", 64, sig, err))
    return err;
  if (pk.size() != 32) return error(400, "bad_request", "login_public_key must be 32 bytes");
  const std::int64_t t = now();
  if (throttled(c, id, t, err)) return err;
  // Every failure below counts toward the login rate limit of the account and the client.
  auto fail = [&](int status, std::string_view code, std::string_view msg) {
    count_failure(c, id, t);
    return error(status, code, msg);
  };
  if (!take_challenge(ch, id, t))
    return fail(401, "recovery_failed", "unknown, used or expired challenge");
  auto a = store_.get_account(id);
  if (!a.ok())
    return a.status.code == Code::not_found ? fail(401, "recovery_failed", "unknown account")
                                            : store_error(a.status);
  auto stored = stored_public_keys(a.value);
  if (!stored)
    return fail(401, "recovery_failed", "the stored account record holds no identity key");
  std::string msg(kRecoverContext);
  msg += *id_bytes(id);
  msg += ch;
  msg += pk;
  msg += hash_raw(record);
  if (!primitives::ed25519_verify(stored->ed25519, as_span(msg), as_span(sig)))
    return fail(401, "recovery_failed", "bad signature");
  auto rec = account_record(id, pk, record, err);
  if (!rec) {
    count_failure(c, id, t);
    return err;
  }
  if (rec->public_keys != *stored)
    return fail(400, "invalid_record", "the new record must keep the account's public keys");
  // Whoever held the lost passphrase may hold sessions: all of them end (scoped tokens stay).
  Status s = store_.update_account(id, pk, record, Bytes());
  if (!s.ok()) return store_error(s);
  return json_response(200, json{{"account_id", id}});
}

}  // namespace zkwiki::server
