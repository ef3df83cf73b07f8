// The dfsnode command line: bad roles, configs and arguments give one clear line on stderr
// and exit code 2, before any node starts.
#include <gtest/gtest.h>

#include <fstream>

#include "common/process.hpp"

using dfs::test::run;
using dfs::test::run_result;

namespace {

struct Cli : ::testing::Test {
  dfs::test::temp_dir dir{"dfs-cli-"};

  run_result dfsnode(std::vector<std::string> args) {
    args.insert(args.begin(), DFS_BIN_PATH);
    return run(args, dir.path());
  }
  // The CA and a certificate `name` of `kind`, made with the CLI itself; the --set arguments
  // that use them (and keep client TLS sessions in the test's directory).
  std::vector<std::string> credentials(const std::string& name, const std::string& kind) {
    auto ca = dir.path() + "/pki";
    if (!std::ifstream(ca + "/ca.crt")) dfsnode({"--role", "ca", "init", ca});
    dfsnode({"--role", "ca", "issue", ca, name, "--kind", kind});
    return {"--set", "tls.ca=" + ca + "/ca.crt",
            "--set", "tls.cert=" + ca + "/" + name + ".crt",
            "--set", "tls.key=" + ca + "/" + name + ".key",
            "--set", "client.tls_session_dir=" + dir.path() + "/tls-sessions"};
  }
  std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  std::string write(const std::string& name, const std::string& text) {
    auto p = dir.path() + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  // Exit 2, nothing on stdout, exactly one line on stderr containing every `needle`.
  void expect_usage_error(const run_result& r, std::vector<std::string> needles) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    for (auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << r.err;
  }
};

}  // namespace

TEST_F(Cli, Version) {
  auto r = dfsnode({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("dfsnode ", 0), 0u) << r.out;
}

TEST_F(Cli, Help) {
  auto r = dfsnode({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (auto role : {"introducer", "master", "chunkserver", "fileserver", "client", "admin"})
    EXPECT_NE(r.out.find(role), std::string::npos) << role;
}

TEST_F(Cli, UnknownRole) {
  expect_usage_error(dfsnode({"--role", "masterr"}), {"unknown role 'masterr'"});
  expect_usage_error(dfsnode({"--role", "master,"}), {"unknown role ''"});
  expect_usage_error(dfsnode({"--role", "master,master"}), {"given twice"});
  expect_usage_error(dfsnode({"--role", "client,master"}), {"cannot be combined"});
}

TEST_F(Cli, MissingRole) {
  expect_usage_error(dfsnode({}), {"--role"});
}

TEST_F(Cli, MissingConfig) {
  expect_usage_error(dfsnode({"--role", "master", "--config", dir.path() + "/none.toml"}),
                     {"none.toml", "No such file"});
}

TEST_F(Cli, UnknownKey) {
  auto p = write("bad.toml", "[node]\nprot = 17000\n");
  expect_usage_error(dfsnode({"--role", "master", "--config", p}), {"bad.toml", "'node.prot'"});
}

TEST_F(Cli, WrongType) {
  auto p = write("bad.toml", "[node]\nport = \"seventeen\"\n");
  expect_usage_error(dfsnode({"--role", "chunkserver", "--config", p}),
                     {"bad.toml", "'node.port'", "integer"});
}

TEST_F(Cli, SyntaxError) {
  auto p = write("bad.toml", "[node\nport = 1\n");
  expect_usage_error(dfsnode({"--role", "master", "--config", p}), {"bad.toml:1"});
}

TEST_F(Cli, BadSet) {
  expect_usage_error(dfsnode({"--role", "master", "--set", "node.nope=1"}), {"'node.nope'"});
  expect_usage_error(dfsnode({"--role", "master", "--set", "log.level=loud"}), {"'log.level'"});
}

TEST_F(Cli, AdminNeedsConnect) {
  expect_usage_error(dfsnode({"--role", "admin", "node"}), {"--connect"});
  expect_usage_error(dfsnode({"--role", "admin", "--connect", "nohost", "node"}), {"HOST:PORT"});
}

TEST_F(Cli, ServerRejectsStrayArguments) {
  expect_usage_error(dfsnode({"--role", "master", "extra"}), {"'extra'"});
}

TEST_F(Cli, ClientUnknownCommand) {
  auto r = dfsnode(with(with({"--role", "client"}, credentials("c", "client")), {"frobnicate"}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

// FTQueue's labels, ids and items are integers: a name or text gets one line naming the operand,
// before any fileserver is asked (none is configured here).
TEST_F(Cli, QueueOperandsThatAreNotIntegersNameTheOperand) {
  auto cred = credentials("c", "client");
  struct bad {
    std::vector<std::string> args;
    std::string needle;
  };
  for (const auto& b :
       {bad{{"queue", "create", "jobs"},
            "queue create: LABEL must be a 64-bit "
            "integer (labels, ids and items of "
            "FTQueue are integers), not 'jobs'"},
        bad{{"queue", "push", "1", "hello world"}, "queue push: ITEM must be a 64-bit integer"},
        bad{{"queue", "push", "x", "1"}, "queue push: ID must be"},
        bad{{"queue", "size", "99999999999999999999"}, "queue size: ID must be"}}) {
    auto r = dfsnode(with(with({"--role", "client"}, cred), b.args));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(b.needle), std::string::npos) << r.err;
  }
}

TEST_F(Cli, CaIssuesCertificatesAndRefusesBadArguments) {
  auto ca = dir.path() + "/ca";
  EXPECT_EQ(dfsnode({"--role", "ca", "init", ca}).exit_code, 0);
  auto r = dfsnode({"--role", "ca", "issue", ca, "n1", "--kind", "server", "--host", "127.0.0.1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("issued server certificate"), std::string::npos) << r.out;
  EXPECT_EQ(dfsnode({"--role", "ca", "issue", ca, "n2", "--kind", "root"}).exit_code, 2);
  EXPECT_EQ(dfsnode({"--role", "ca", "issue", ca, "n2"}).exit_code, 2);
  EXPECT_EQ(dfsnode({"--role", "ca", "frob"}).exit_code, 2);
  auto again = dfsnode({"--role", "ca", "init", ca});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds a CA"), std::string::npos) << again.err;
}

TEST_F(Cli, EveryRoleNeedsItsCredentials) {
  // No certificates: one clear line, for a server and for a tool alike.
  auto r = dfsnode({"--role", "admin", "--connect", "127.0.0.1:1", "node"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("tls.ca, tls.cert and tls.key must be set"), std::string::npos) << r.err;
  auto server = credentials("n1", "server");
  // A server with certificates but no cluster key.
  r = dfsnode(with({"--role", "master", "--set", "node.data_dir=" + dir.path() + "/m"}, server));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cluster.key is empty"), std::string::npos) << r.err;
  // A server role with a client certificate.
  auto client = credentials("c1", "client");
  r = dfsnode(with({"--role", "master", "--set", "cluster.key=0123456789abcdef0123"}, client));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("server roles need one issued with --kind server"), std::string::npos)
      << r.err;
}

TEST_F(Cli, AdminCannotConnect) {
  // Port 1 on loopback: nothing listens there.
  auto r = dfsnode(with(with({"--role", "admin"}, credentials("a", "admin")),
                        {"--connect", "127.0.0.1:1", "node"}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot connect to 127.0.0.1:1"), std::string::npos) << r.err;
}
