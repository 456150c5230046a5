#include "catch_support.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "text/chat_template.hpp"

namespace {

std::string render(const std::string& source, const std::string& messages_json = "[]",
                   bool add_generation_prompt = false) {
  trawl::ChatTemplate::Variables v;
  v.messages = trawl::jinja::Value::from_json(nlohmann::ordered_json::parse(messages_json));
  v.bos_token = "<s>";
  v.eos_token = "</s>";
  v.add_generation_prompt = add_generation_prompt;
  return trawl::ChatTemplate(source, "t.jinja").render(v);
}

// The InputError's text for a template that must be refused.
std::string refusal(const std::string& source) {
  try {
    render(source);
  } catch (const trawl::InputError& e) {
    return e.what();
  }
  return "(rendered)";
}

}  // namespace

TEST_CASE("chat templates: output, literals, operators and Python's str", "[text][jinja]") {
  CHECK(render("a{{ 1 + 2 }}b") == "a3b");
  CHECK(render("{{ 'x' ~ 1 ~ none ~ true }}") == "x1NoneTrue");
  CHECK(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1.0 }}") ==
        "3 -4 1 2 3.5 1024 1.0");
  CHECK(render("{{ [1, 'a', none] }} {{ {'k': 'v'} }}") == "[1, 'a', None] {'k': 'v'}");
  CHECK(render("{{ 'a' if false else 'b' }}{{ 'c' if true }}{{ 'd' if false }}") == "bc");
  CHECK(render("{{ not 1 == 2 and 'x' in 'xyz' and 3 not in [1, 2] }}") == "True");
  CHECK(render("{{ 0 or 'y' }} {{ '' and 'z' }}|") == "y |");
  CHECK(render("{{ \"it's\" + 'a\\n' }}") == "it'sa\n");
  CHECK(render("{{ undefined_thing }}|{{ undefined_thing is defined }}") == "|False");
}

TEST_CASE("chat templates: messages, attributes, subscripts and slices", "[text][jinja]") {
  const std::string messages = R"([{"role": "system", "content": "S"}, {"role": "user", "content": "héllo"},
                                   {"role": "assistant", "content": "A"}])";
  CHECK(render("{% for m in messages %}{{ m.role }}:{{ m['content'] }};{% endfor %}", messages) ==
        "system:S;user:héllo;assistant:A;");
  CHECK(render("{% for m in messages[::-1] %}{{ m.role[0] }}{% endfor %}", messages) == "aus");
  CHECK(render("{% for m in messages[1:] %}{{ m.content }}{% endfor %}{{ messages[-1].content }}", messages) ==
        "héllo" "AA");
  CHECK(render("{{ messages[1].content[1:3] }}|{{ messages[1].content[::-1] }}", messages) == "él|olléh");
  CHECK(render("{{ messages|length }} {{ messages[0].missing is defined }} {{ messages[0].missing is none }}",
               messages) == "3 False False");
}

TEST_CASE("chat templates: loops, loop variables, loop controls and scopes", "[text][jinja]") {
  CHECK(render("{% for x in [1, 2, 3] %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}"
               "{{ loop.length }},{% endfor %}") == "01TrueFalse3,12FalseFalse3,23FalseTrue3,");
  CHECK(render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}"
               "{% endif %}{{ x }}{% endfor %}") == "13");
  CHECK(render("{% for x in [] %}no{% else %}empty{% endfor %}") == "empty");
  CHECK(render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{{ loop.length }}{% endfor %}") == "2242");
  CHECK(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}") == "a=1 b=2 ");
  // A set inside a loop stays inside it; a namespace carries it out.
  CHECK(render("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}") == "1");
  CHECK(render("{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}"
               "{{ ns.n }}") == "6");
  CHECK(render("{% set block %}in {{ 1 + 1 }}{% endset %}[{{ block }}]") == "[in 2]");
}

TEST_CASE("chat templates: whitespace control as transformers sets it", "[text][jinja]") {
  // trim_blocks: a block tag's newline goes; lstrip_blocks: its indentation goes.
  CHECK(render("{% if true %}\n  yes\n{% endif %}\nafter") == "  yes\nafter");
  CHECK(render("line\n    {% if true %}x{% endif %}") == "line\nx");
  CHECK(render("a   {%- if true -%}   b   {%- endif -%}   c") == "abc");
  CHECK(render("{{ 'a' }}\n{{- 'b' }}  {{- 'c' -}}  \n d") == "abcd");
  CHECK(render("a{# note #}\nb") == "ab");
  CHECK(render("{{ 'x' }}\n") == "x\n");  // an output tag keeps its newline
}

TEST_CASE("chat templates: filters, tests and string methods", "[text][jinja]") {
  CHECK(render("{{ '  a b  '|trim }}|{{ 'Ab'|upper }}{{ 'Ab'|lower }}|{{ [3, 1]|first }}{{ [3, 1]|last }}") ==
        "a b|ABab|31");
  CHECK(render("{{ ['a', 'b']|join(', ') }}|{{ none|default('d') }}|{{ ''|default('e', true) }}|{{ x|d('f') }}") ==
        "a, b|None|e|f");
  CHECK(render("{{ {'a': [1, 2.5, 'é', none, true]}|tojson }}") == "{\"a\": [1, 2.5, \"é\", null, true]}");
  CHECK(render("{{ {'a': 1}|tojson(indent=2) }}") == "{\n  \"a\": 1\n}");
  CHECK(render("{{ 'a<b>c'.split('<')[1].startswith('b') }} {{ 'xax'.strip('x') }} {{ '\\n\\na'.lstrip('\\n') }}") ==
        "True a a");
  CHECK(render("{{ 'a b  c'.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'aaa'.replace('a', 'b', 2) }}") ==
        "['a', 'b', 'c'] ['a', 'b,c'] bba");
  CHECK(render("{{ 1 is odd }}{{ 'a' is string }}{{ 1 is number }}{{ none is none }}{{ {} is mapping }}"
               "{{ 3 is divisibleby 3 }}{{ 'x' is not string }}") == "TrueTrueTrueTrueTrueTrueFalse");
  CHECK(render("{{ [{'r': 'a'}, {'r': 'b'}]|selectattr('r', 'equalto', 'b')|list|length }}"
               "{{ [{'r': 'a'}]|map(attribute='r')|join }}") == "1a");
}

TEST_CASE("chat templates: macros, raise_exception and the template's variables", "[text][jinja]") {
  CHECK(render("{% macro greet(name, punct='!') %}hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} "
               "{{ greet('b', punct='?') }}") == "hi a! hi b?");
  CHECK(render("{{ bos_token }}{% if add_generation_prompt %}GEN{% endif %}{{ eos_token }}", "[]", true) ==
        "<s>GEN</s>");
  CHECK(refusal("{% if messages|length == 0 %}{{ raise_exception('no messages') }}{% endif %}")
            .find("t.jinja:1:33: chat template: the template raised an exception: no messages") != std::string::npos);
}

TEST_CASE("chat templates: what the interpreter does not know is refused with its place", "[text][jinja]") {
  CHECK(refusal("ok\n{% call foo() %}{% endcall %}").find("t.jinja:2:4: chat template: the tag 'call' is not "
                                                           "supported") != std::string::npos);
  CHECK(refusal("{{ 'a'|wordwrap }}").find("t.jinja:1:7: chat template: the filter 'wordwrap' is not supported") !=
        std::string::npos);
  CHECK(refusal("{{ 1 is prime }}").find("the test 'prime' is not supported") != std::string::npos);
  CHECK(refusal("{% if true %}x").find("t.jinja:1:1: chat template: 'if' is never closed (expected 'endif')") !=
        std::string::npos);
  CHECK(refusal("{{ 'a' + 1 }}").find("unsupported operands for +: str and int") != std::string::npos);
  CHECK(refusal("{{ x.y }}").find("'y' of an undefined value") != std::string::npos);
  CHECK(refusal("{{ 'unclosed }}").find("a string that never ends") != std::string::npos);
  CHECK(refusal("{{ 1 + }}").find("an expression is missing") != std::string::npos);
  CHECK(refusal("{% set x = 1 %}{% set x.y = 2 %}").find("'x' is not a namespace") != std::string::npos);
}
