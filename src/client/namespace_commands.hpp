#pragma once
// The storage commands that change or show the namespace: ls, du, stat, mkdir, rm, mv,
// snapshot, trash, undelete. Hooked into the command table by storage_commands.cpp.
#include "client/command_args.hpp"

namespace dfs {

int cmd_ls(storage_client& client, const args_t& args);
int cmd_du(storage_client& client, const args_t& args);
int cmd_stat(storage_client& client, const args_t& args);
int cmd_mkdir(storage_client& client, const args_t& args);
int cmd_rm(storage_client& client, const args_t& args);
int cmd_cp(storage_client& client, const args_t& args);
int cmd_mv(storage_client& client, const args_t& args);
int cmd_snapshot(storage_client& client, const args_t& args);
int cmd_trash(storage_client& client, const args_t& args);
int cmd_undelete(storage_client& client, const args_t& args);

}  // namespace dfs
