// The reference tokens of rendered conversations: Hugging Face's tokenizers
// (the Rust library, npm `tokenizers`) on each text, no special tokens added,
// with each token's character offsets.
//
//   node chat_tokens_reference.mjs NODE_MODULES_PARENT MODEL_DIR < texts.json
//
// Prints [{"input_ids": [...], "offsets": [[begin, end], ...]}, ...].
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [modulesParent, modelDir] = process.argv.slice(2);
const require = createRequire(join(modulesParent, "reference.cjs"));
const { Tokenizer } = require("tokenizers");
const tokenizer = Tokenizer.fromFile(join(modelDir, "tokenizer.json"));
const out = [];
for (const text of JSON.parse(readFileSync(0, "utf8"))) {
  const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
  out.push({ input_ids: Array.from(encoding.getIds()), offsets: encoding.getOffsets() });
}
process.stdout.write(JSON.stringify(out));
