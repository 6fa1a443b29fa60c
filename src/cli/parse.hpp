// `hearthctl parse`: the intent engine on the command line, offline (config only).
#pragma once

namespace hearth::cli {

// Handles `hearthctl ... parse ...`; `command_at` is the index of "parse" in argv.
// Exit status: single text 0 understood / 1 not; --batch 0; 2 for usage or configuration errors.
int run_parse(int argc, char** argv, int command_at);

}  // namespace hearth::cli
