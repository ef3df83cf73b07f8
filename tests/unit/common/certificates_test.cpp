// The cluster CA: what it writes (modes, kinds), what verifies against it, and what does not.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <vector>

#include "common/certificates.hpp"
#include "common/temp_dir.hpp"

using namespace dfs;
namespace pki = dfs::pki;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

struct Certificates : ::testing::Test {
  test::temp_dir tmp;
  std::string ca = tmp.path() + "/ca";
  void SetUp() override { pki::create_ca(ca); }
  std::string cert(const std::string& name) { return pki::read_file(ca + "/" + name + ".crt"); }
};

}  // namespace

TEST_F(Certificates, KeysAre0600AndTheDirectory0700) {
  pki::issue_certificate(ca, "n1", principal_kind::server, {"127.0.0.1", "node1.example"});
  EXPECT_EQ(mode_of(ca), 0700u);
  EXPECT_EQ(mode_of(ca + "/ca.key"), 0600u);
  EXPECT_EQ(mode_of(ca + "/n1.key"), 0600u);
  EXPECT_EQ(mode_of(ca + "/n1.crt"), 0644u);
}

TEST_F(Certificates, TheKindTravelsInTheCertificate) {
  pki::issue_certificate(ca, "n1", principal_kind::server, {});
  pki::issue_certificate(ca, "alice", principal_kind::client, {});
  pki::issue_certificate(ca, "root", principal_kind::admin, {});
  auto a = pki::verify_certificate(ca + "/ca.crt", cert("alice"));
  EXPECT_EQ(a.kind, principal_kind::client);
  EXPECT_EQ(a.name, "alice");
  EXPECT_EQ(pki::verify_certificate(ca + "/ca.crt", cert("root")).kind, principal_kind::admin);
  EXPECT_EQ(pki::verify_certificate(ca + "/ca.crt", cert("n1")).kind, principal_kind::server);
}

TEST_F(Certificates, AnotherCasCertificateIsRejected) {
  auto other = tmp.path() + "/other";
  pki::create_ca(other);
  pki::issue_certificate(other, "mallory", principal_kind::admin, {});
  EXPECT_THROW(pki::verify_certificate(ca + "/ca.crt", pki::read_file(other + "/mallory.crt")),
               pki::pki_error);
  EXPECT_THROW(pki::verify_certificate(ca + "/ca.crt", "not a certificate"), pki::pki_error);
}

TEST_F(Certificates, RefusesToOverwriteOrToUseBadNames) {
  pki::issue_certificate(ca, "n1", principal_kind::server, {});
  EXPECT_THROW(pki::issue_certificate(ca, "n1", principal_kind::client, {}), pki::pki_error);
  EXPECT_THROW(pki::create_ca(ca), pki::pki_error);
  for (std::string bad :
       std::vector<std::string>{"", "ca", "../x", "a/b", ".hidden", std::string(65, 'a')})
    EXPECT_THROW(pki::issue_certificate(ca, bad, principal_kind::client, {}), pki::pki_error)
        << bad;
}

TEST_F(Certificates, ASignatureVerifiesOnlyWithTheMatchingCertificate) {
  pki::issue_certificate(ca, "alice", principal_kind::client, {});
  pki::issue_certificate(ca, "bob", principal_kind::client, {});
  auto sig = pki::sign(ca + "/alice.key", "challenge");
  EXPECT_TRUE(pki::verify_signature(cert("alice"), "challenge", sig));
  EXPECT_FALSE(pki::verify_signature(cert("alice"), "challengf", sig));
  EXPECT_FALSE(pki::verify_signature(cert("bob"), "challenge", sig));
  EXPECT_FALSE(pki::verify_signature(cert("alice"), "challenge", "garbage"));
}
