// A short tour of the header-only core (the README's C++ example, kept compiling and
// running here so the README stays true).
#include <iostream>

#include "crmcore/loyalty.h"
#include "crmcore/satisfaction.h"
#include "crmcore/taxonomy.h"

int main() {
  // C = B / A: perceived value 9 against an expectation of 8.
  absl::StatusOr<double> c = crmcore::SatisfactionRatio(9.0, 8.0);  // 1.125
  auto level = crmcore::ClassifySatisfaction(*c);                    // kSatisfied
  std::cout << "C = " << *c << ": " << crmcore::LabelEn(*level) << " / "
            << crmcore::LabelZh(*level) << "\n";  // 满意

  // The loyalty ladder's default rule: bought in 3 of the last 4 periods and referred a friend.
  crmcore::LadderFacts facts{.purchase_count = 6, .active_periods_in_window = 3, .referrals = 1};
  auto rung = crmcore::ClassifyLadderRung(facts);  // kAdvocate
  std::cout << "ladder rung: " << crmcore::Id(*rung) << " / " << crmcore::LabelZh(*rung) << "\n";

  // Every error names what was wrong instead of returning NaN:
  absl::Status error = crmcore::SatisfactionRatio(9.0, 0.0).status();
  std::cout << "error: " << error << "\n";

  const bool as_documented = *level == crmcore::SatisfactionLevel::kSatisfied &&
                             *rung == crmcore::LadderRung::kAdvocate &&
                             error.code() == absl::StatusCode::kInvalidArgument;
  return as_documented ? 0 : 1;
}
