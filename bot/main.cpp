#include <iostream>

#include "bot/cli.hpp"

int main(int argc, char** argv) {
    return tcns::bot::run_cli(argc, argv, std::cin, std::cout, std::cerr);
}
