# Varnish 7.1 in front of zkwiki-server (server/deploy/README.md).
#
# There are no caching rules here on purpose: what may be cached, for how long and for whom is
# said by the server's own headers (docs/API.md "Caching"), and Varnish's builtin VCL, which runs
# after this file, follows them:
#   - GET /v1/blobs/{id} (sent without a token): "public, max-age=31536000, immutable": cached
#     for a year, one object per blob id for everyone;
#   - anything sent with an Authorization header (heads, revisions, the change feed, workspaces,
#     keys, grants): passed to the server, never looked up nor stored (builtin vcl_recv);
#   - POST, PUT and DELETE (login, writes, the blob batch): passed;
#   - answers marked no-store, no-cache or private (every other answer): not stored
#     (builtin vcl_backend_response makes them "hit-for-miss" for 2 minutes, i.e. fetched anew).
vcl 4.1;

backend zkwiki {
  .host = "127.0.0.1";
  .port = "8787";
  .connect_timeout = 2s;
  # A change-feed long-poll (GET .../changes?wait=60) holds its answer up to 60 s.
  .first_byte_timeout = 75s;
  .between_bytes_timeout = 75s;
}

sub vcl_deliver {
  # For operators and tests only: where this answer came from. Nothing depends on it.
  if (obj.uncacheable) {
    set resp.http.X-Cache = "PASS";
  } elsif (obj.hits > 0) {
    set resp.http.X-Cache = "HIT";
  } else {
    set resp.http.X-Cache = "MISS";
  }
}
