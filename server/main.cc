// doorman's entry point: hands argv to the command line (server/cli/).
#include "cli/cli.h"

int main(int argc, char** argv) {
  return doorman::cli::run(argc, argv);
}
