// dialogue/ must stay pure: no sockets, no Boost, nothing from server/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace {

TEST(Layering, DialogueIncludesNoBoostNoServerNoSockets) {
  const std::regex forbidden(R"(#include\s*[<"](boost/|server/|sys/socket|netinet/|arpa/|thread>))");
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator("dialogue")) {
    if (!entry.is_regular_file()) continue;
    auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cc") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      EXPECT_FALSE(std::regex_search(line, forbidden)) << entry.path() << ":" << number << ": " << line;
    }
  }
  EXPECT_GT(files, 10);  // the test ran from the repository root and saw the library
}

}  // namespace
