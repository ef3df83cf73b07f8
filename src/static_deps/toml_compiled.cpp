// toml++'s compiled part (what Debian's libtomlplusplus.so holds), for the lean front only:
// see static_deps/README.md.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
