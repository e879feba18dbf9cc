#include "core/error.hpp"
#include <cstdio>
int main(int argc, char** argv) { std::puts("pgorch-host " PGORCH_VERSION); return 0; }
