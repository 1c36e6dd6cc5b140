// The command line: `doorman <command> ...`. run() parses argv, dispatches to one command and
// returns the process exit code (0 success, 1 a failed check or decision error, 2 bad arguments).
#pragma once

namespace doorman::cli {

int run(int argc, char** argv);

}  // namespace doorman::cli
