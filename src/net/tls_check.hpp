#pragma once
// Every process's start-up check of its [tls] files (SECURITY.md): all three set and readable,
// the key matching the certificate, and the certificate one the cluster's CA signed for client
// authentication. One clear line at start, instead of a handshake failing later with
// OpenSSL's reason.
#include <memory>
#include <string>

#include "common/config.hpp"
#include "net/tls_context.hpp"

namespace dfs::net {

// "" when the files are usable; else why, naming the setting and its file. The check loads the
// process's client-side context (tls_context::shared): `keep` holds it, so that the clients
// made next share it instead of loading the files again.
// With tls_load::on_demand (the lean front's one-shot commands) only the settings and the
// files' reading are checked here; parsing, and the CA's signature on the certificate, wait
// for a full handshake (none when a kept session resumes), which names what fails.
std::string check_tls_files(const config& cfg, std::shared_ptr<tls_context>* keep = nullptr,
                            tls_load load = tls_load::eager);

// A client command's context keeps its TLS sessions where client.tls_session_dir says
// (net/tls_sessions.hpp). "" when it does or the setting is off; else a warning naming the
// directory and why it is not used (the command still runs, with full handshakes).
std::string keep_client_sessions(const config& cfg, tls_context& ctx);

}  // namespace dfs::net
