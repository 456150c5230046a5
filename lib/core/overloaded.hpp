// lib/core: a visitor made of lambdas, for std::visit over a std::variant.
#pragma once

namespace trawl {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace trawl
