// The Catch2 main, in a file of its own so that it is compiled once; the
// same with Catch2 2 and 3 (tests/support/catch_support.hpp).
#define CATCH_CONFIG_RUNNER
#include "catch_support.hpp"

int main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
