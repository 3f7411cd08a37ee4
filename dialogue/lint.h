// Screening rules on top of load-time validation: what `screener lint`
// adds. A script can load and still be unsafe to publish (a question with no
// re-prompt, an ending without the disclaimer); lint says so.
#pragma once

#include "dialogue/result.h"
#include "dialogue/script.h"

namespace screener {

// Problems found; empty for a script that follows the rules.
Problems LintScript(const Script& script);

}  // namespace screener
