// The reference for `trawl tokenize`: what transformers' fast tokenizer gives
// for each {"text": ...} line, from Hugging Face's own implementations.
//
//   node tokenizer_reference.mjs NODE_MODULES_PARENT MODEL_DIR rust|js < lines.jsonl
//
// rust: Hugging Face's tokenizers (the Rust library transformers runs, the
// npm package `tokenizers`); js: its JS port (@huggingface/tokenizers).
// On top of the library, as transformers does: a Llama-style tokenizer class
// (LlamaTokenizerFast, ...) replaces the post-processor with
// [bos if add_bos_token (default true)] $A [eos if add_eos_token]; and, as
// trawl's training rows (and TRL) do, EOS is appended unless it ends the ids.
// Prints {"input_ids": [...], "labels": [...]} per line.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modulesParent, modelDir, engine] = process.argv.slice(2);
const require = createRequire(join(modulesParent, "reference.cjs"));
const tokenizerJson = JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8"));
const config = JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8"));
const content = (t) => (t && typeof t === "object" ? t.content : t);
const idOf = (token) => {
  const added = tokenizerJson.added_tokens.find((t) => t.content === token);
  return added ? added.id : tokenizerJson.model.vocab[token];
};
const llamaStyle = /^(Llama|CodeLlama|Gemma)Tokenizer(Fast)?$/.test(config.tokenizer_class ?? "");
const bos = idOf(content(config.bos_token)), eos = idOf(content(config.eos_token));

let encode;
if (engine === "rust") {
  const { Tokenizer } = require("tokenizers");
  const tokenizer = Tokenizer.fromFile(join(modelDir, "tokenizer.json"));
  encode = async (text, special) => (await tokenizer.encode(text, null, { addSpecialTokens: special })).getIds();
} else {
  const path = require.resolve("@huggingface/tokenizers").replace(/\.cjs$/, ".mjs");
  const { Tokenizer } = await import(pathToFileURL(path).href);
  const tokenizer = new Tokenizer(tokenizerJson, config);
  encode = async (text, special) => tokenizer.encode(text, { add_special_tokens: special }).ids;
}

const lines = readFileSync(0, "utf8").split("\n").filter((l) => l.trim() !== "");
const out = [];
for (const line of lines) {
  const { text } = JSON.parse(line);
  let ids;
  if (llamaStyle) {
    ids = Array.from(await encode(text, false));
    if (config.add_bos_token ?? true) ids.unshift(bos);
    if (config.add_eos_token ?? false) ids.push(eos);
  } else {
    ids = Array.from(await encode(text, true));
  }
  if (ids.length === 0 || ids[ids.length - 1] !== eos) ids.push(eos);
  out.push(JSON.stringify({ input_ids: ids, labels: ids }));
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
