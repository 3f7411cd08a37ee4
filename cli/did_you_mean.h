// "did you mean" for mistyped command and option names, as ninja does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace screener::cli {

// The candidate closest to `typed` by edit distance, if close enough to be a typo.
std::optional<std::string> DidYouMean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace screener::cli
