// Renders a chat template with Hugging Face's own Jinja (@huggingface/jinja)
// for each case of a JSON file: node chat_template_reference.mjs TEMPLATE CASES
// prints a JSON list of rendered texts ({"error": ...} where it raised).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.TRAWL_NPM_REFERENCES + "/package.json");
const { Template } = await import(require.resolve("@huggingface/jinja"));
const [templatePath, casesPath] = process.argv.slice(2);
const template = new Template(readFileSync(templatePath, "utf8"));
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const out = cases.map((c) => {
  try {
    return template.render(c);
  } catch (e) {
    return { error: String(e.message || e) };
  }
});
process.stdout.write(JSON.stringify(out));
