// lib/text: UTF-8 as tokenizers see it: code points and their bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trawl {

// The bytes of the UTF-8 sequence that starts with `lead` (1 for a stray
// continuation byte, so a walk always moves on).
inline std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// The code point at `text[at]` (which must start a sequence), and its length.
char32_t utf8_decode(std::string_view text, std::size_t at, std::size_t* length);
void utf8_append(std::string& out, char32_t code_point);
// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or
// values past U+10FFFF); `bad_at` gets the offset of the first bad byte.
bool utf8_valid(std::string_view text, std::size_t* bad_at = nullptr);
// `text` with each byte that is not part of well-formed UTF-8 written as
// \xNN, so that a message quoting bad input is itself valid UTF-8.
std::string escape_invalid_utf8(std::string_view text);
// Unicode White_Space, as Rust's char::is_whitespace.
bool unicode_whitespace(char32_t c);

}  // namespace trawl
