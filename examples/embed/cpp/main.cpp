// The embedding scenario in C++ through adead.hpp (see ../README.md): load
// ../embed.asm, register the host function `gain`, pass tensors to `affine`, read the
// output tensor, handle a host failure and a division by zero, print the profile.
//
//   usage: main path/to/embed.asm
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "adead.hpp"

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " embed.asm\n";
        return 2;
    }
    std::ifstream file(argv[1], std::ios::binary);
    std::stringstream source;
    source << file.rdbuf();
    if (!file) {
        std::cerr << "cannot read " << argv[1] << "\n";
        return 1;
    }

    try {
        adead::Engine engine(adead::Config().fuel(1000000));
        adead::Module module = adead::Module::from_asm(engine, source.str(), "embed.asm");

        // gain(n) = n / 2 as an f32; negative inputs throw, which fails the call.
        int gain_calls = 0;
        adead::Imports imports;
        imports.define("gain", {ADEAD_I64}, ADEAD_F32,
                       [&gain_calls](adead::Caller &, const std::vector<adead_val_t> &args) {
                           gain_calls += 1;
                           int64_t n = args[0].of.i64;
                           if (n < 0) {
                               throw std::invalid_argument("gain: negative input " + std::to_string(n));
                           }
                           return adead::f32(static_cast<float>(n) / 2.0f);
                       });
        int result_code = 0;
        {
            adead::Instance instance(module, &imports);

            uint64_t x = instance.tensor_new({2, 2}, {1, 2, 3, 4});
            uint64_t w = instance.tensor_new({2, 2}, {1, 0.5f, 2, -1});
            uint64_t b = instance.tensor_new({2}, {1, 0.5f});
            auto handle = [](uint64_t h) { return adead::i64(static_cast<int64_t>(h)); };

            uint64_t y = static_cast<uint64_t>(
                instance.call("affine", {handle(x), handle(w), handle(b), adead::i64(4)}).of.i64);
            std::vector<size_t> shape = instance.tensor_shape(y);
            std::cout << "affine: shape [";
            for (size_t i = 0; i < shape.size(); i++) {
                std::cout << (i ? ", " : "") << shape[i];
            }
            std::cout << "]\naffine:";
            for (float v : instance.tensor_read(y)) {
                std::cout << " " << v;
            }
            std::cout << "\n";
            if (auto fuel = instance.fuel_used()) {
                std::cout << "affine: fuel used " << *fuel << "\n";
            }
            instance.tensor_free(y);

            try {
                instance.call("affine", {handle(x), handle(w), handle(b), adead::i64(-1)});
                std::cout << "no trap?\n";
                result_code = 1;
            } catch (const adead::Trap &trap) {
                std::cout << "host trap: " << trap.kind() << " (code " << trap.code() << ") in " << trap.function()
                          << " at pc " << trap.pc() << ": " << trap.detail().value_or("") << "\n";
            }

            std::cout << "divide(84, 2) = " << instance.call("divide", {adead::i64(84), adead::i64(2)}).of.i64
                      << "\n";
            try {
                instance.call("divide", {adead::i64(7), adead::i64(0)});
                std::cout << "no trap?\n";
                result_code = 1;
            } catch (const adead::Trap &trap) {
                std::cout << "trap: " << trap.kind() << " (code " << trap.code() << ") in " << trap.function()
                          << " (function " << trap.function_index() << ") at pc " << trap.pc();
                if (auto fuel = trap.fuel_used()) {
                    std::cout << ", fuel used " << *fuel;
                }
                std::cout << "\n";
            }

            adead::Profile profile = instance.profile();
            std::cout << "profile: " << profile.instructions.value_or(0) << " instructions";
            for (const auto &function : profile.functions) {
                std::cout << "; " << function.name << " called " << function.calls << " times";
            }
            std::cout << "\n";
        }
        std::cout << "gain called " << gain_calls << " times\n";
        return result_code;
    } catch (const adead::Error &error) {
        std::cerr << "error (kind " << unsigned(error.kind()) << "): " << error.what() << "\n";
        return 1;
    }
}
