// The one translation unit that compiles Boost.Asio and Boost.Beast for the
// bench tools (screener-load, beast-echo). With BOOST_ASIO_SEPARATE_COMPILATION
// and BOOST_BEAST_SEPARATE_COMPILATION set on every user, the other files only
// see declarations, which keeps each of them quick to rebuild.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
