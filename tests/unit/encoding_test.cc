#include <gtest/gtest.h>

#include "zkwiki/encoding.h"

namespace zkwiki {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Base64Test, Rfc4648KnownAnswers) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (auto [raw, b64] : cases) {
    EXPECT_EQ(to_base64(bytes(raw)), b64);
    auto back = from_base64(b64);
    ASSERT_TRUE(back.ok()) << b64;
    EXPECT_EQ(*back, bytes(raw));
  }
}

TEST(Base64Test, MissingPaddingIsMalformed) { EXPECT_EQ(from_base64("Zg").error().code, Errc::malformed); }
TEST(Base64Test, WhitespaceIsMalformed) { EXPECT_EQ(from_base64("Zm9v YmFy").error().code, Errc::malformed); }
TEST(Base64Test, UrlAlphabetIsMalformed) { EXPECT_EQ(from_base64("-_8=").error().code, Errc::malformed); }
TEST(Base64Test, NonZeroPadBitsAreMalformed) { EXPECT_EQ(from_base64("Zh==").error().code, Errc::malformed); }
TEST(Base64Test, TrailingGarbageIsMalformed) { EXPECT_EQ(from_base64("Zm9v!").error().code, Errc::malformed); }

TEST(HexTest, RoundTripAndErrors) {
  std::vector<std::uint8_t> raw{0x00, 0xab, 0xff};
  EXPECT_EQ(to_hex(raw), "00abff");
  std::vector<std::uint8_t> out(3);
  ASSERT_TRUE(from_hex("00ABff", out).ok());
  EXPECT_EQ(out, raw);
  EXPECT_EQ(from_hex("00abf", out).error().code, Errc::malformed);
  EXPECT_EQ(from_hex("00abfg", out).error().code, Errc::malformed);
}

TEST(PrintableTest, EscapesWhatATerminalWouldActOn) {
  EXPECT_EQ(printable("notes/todo.md"), "notes/todo.md");
  EXPECT_EQ(printable("ünïcødé/日本語 notes.md"), "ünïcødé/日本語 notes.md");
  EXPECT_EQ(printable("evil\x1b]0;owned\x07.md"), "evil\\x1b]0;owned\\x07.md");  // OSC: retitles an xterm
  EXPECT_EQ(printable("a\tb\nc\rd\x7f"), "a\\x09b\\x0ac\\x0dd\\x7f");
  EXPECT_EQ(printable("csi\xc2\x9b" "2J"), "csi\\xc2\\x9b2J");  // U+009B, the one-character CSI
  EXPECT_EQ(printable("caf\xe9.txt"), "caf\\xe9.txt");           // Latin-1, not UTF-8
  EXPECT_EQ(printable(std::string_view("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("back\\slash"), "back\\slash");
}

}  // namespace
}  // namespace zkwiki
