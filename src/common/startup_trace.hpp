#pragma once
// Where a command-line tool's start-up time goes, measured, not guessed (scripts/bench
// smallfiles): with DFS_STARTUP_TRACE=1 in the environment each mark prints
// "startup NAME T_US" on stderr, T the CLOCK_MONOTONIC time in microseconds — the same clock in
// every process, so a driver that noted the time of its fork + exec can split the wall time of
// one command into stages. Without the variable a mark costs one cached flag test.
namespace dfs {

void startup_mark(const char* name);

}  // namespace dfs
