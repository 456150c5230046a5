// Tokenizing speed of Hugging Face's tokenizers on the lines of a text file:
// the Rust library (npm `tokenizers`, encodeBatch; set RAYON_NUM_THREADS=1
// for one core) or its JS port (@huggingface/tokenizers).
//   node tokenize_reference.mjs NODE_MODULES_PARENT MODEL_DIR TEXT_FILE rust|js
// Prints: bytes=... seconds=... MB/s=... tokens=...
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [parent, modelDir, textFile, engine] = process.argv.slice(2);
const require = createRequire(join(parent, "reference.cjs"));
const lines = readFileSync(textFile, "utf8").split("\n");
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
let tokens = 0, seconds;
if (engine === "rust") {
  const { Tokenizer } = require("tokenizers");
  const tokenizer = Tokenizer.fromFile(join(modelDir, "tokenizer.json"));
  const start = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i += 1024) {
    const batch = await tokenizer.encodeBatch(lines.slice(i, i + 1024), { addSpecialTokens: false });
    for (const e of batch) tokens += e.getIds().length;
  }
  seconds = Number(process.hrtime.bigint() - start) / 1e9;
} else {
  const path = require.resolve("@huggingface/tokenizers").replace(/\.cjs$/, ".mjs");
  const { Tokenizer } = await import(pathToFileURL(path).href);
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")),
                                  JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8")));
  const start = process.hrtime.bigint();
  for (const line of lines) tokens += tokenizer.encode(line, { add_special_tokens: false }).ids.length;
  seconds = Number(process.hrtime.bigint() - start) / 1e9;
}
console.log(`bytes=${bytes} seconds=${seconds.toFixed(3)} MB/s=${(bytes / 1e6 / seconds).toFixed(3)} tokens=${tokens}`);
