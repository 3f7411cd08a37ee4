// The one translation unit that compiles Boost.Asio, Boost.Beast and Asio's
// SSL support (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION
// are set for every user of screener_server), so the other files only parse
// declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
