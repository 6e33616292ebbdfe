// adead.hpp: a thin, header-only C++17 wrapper over adead.h.
//
// Each C handle becomes a move-only class that frees it in its destructor; a failing
// function throws adead::Error (kind, trap code, message) and a trapping call throws
// adead::Trap (kind, code, function, pc, detail, fuel used). Host functions are
// std::function objects: one that throws fails its call with a `host` trap carrying
// the exception's message (exceptions never cross into the C library).
//
// Threads and ownership follow adead.h: Engine and Module may be shared between
// threads; Config, Imports and Instance may move but not be used from two threads at
// once.
#ifndef ADEAD_HPP
#define ADEAD_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adead.h"

namespace adead {

/// A failure reported by the C API as an adead_error_t.
class Error : public std::runtime_error {
public:
    Error(adead_error_kind_t kind, uint32_t trap_code, const std::string &message)
        : std::runtime_error(message), kind_(kind), trap_code_(trap_code) {}
    /// ADEAD_ERROR_*.
    adead_error_kind_t kind() const noexcept { return kind_; }
    /// The trap kind's code for tensor and trap errors, else 0.
    uint32_t trap_code() const noexcept { return trap_code_; }

private:
    adead_error_kind_t kind_;
    uint32_t trap_code_;
};

/// A call stopped by a trap; everything is copied out of the adead_trap_t.
class Trap : public std::runtime_error {
public:
    explicit Trap(const adead_trap_t *trap)
        : std::runtime_error(adead_trap_message(trap)),
          kind_(adead_trap_kind(trap)),
          code_(adead_trap_code(trap)),
          user_code_(adead_trap_user_code(trap)),
          function_(adead_trap_function(trap)),
          function_index_(adead_trap_function_index(trap)),
          pc_(adead_trap_pc(trap)) {
        if (const char *detail = adead_trap_detail(trap)) {
            detail_ = detail;
        }
        uint64_t fuel = 0;
        if (adead_trap_fuel_used(trap, &fuel)) {
            fuel_used_ = fuel;
        }
    }
    /// The kind's name as ISA.md writes it (`divide_by_zero`, `host`, ...).
    const std::string &kind() const noexcept { return kind_; }
    /// The kind's stable numeric code.
    uint32_t code() const noexcept { return code_; }
    /// The code of a `user` trap.
    int32_t user_code() const noexcept { return user_code_; }
    const std::string &function() const noexcept { return function_; }
    uint32_t function_index() const noexcept { return function_index_; }
    uint32_t pc() const noexcept { return pc_; }
    /// A host function's message, a tensor mismatch's shapes.
    const std::optional<std::string> &detail() const noexcept { return detail_; }
    /// Fuel the call used, when the engine counts it.
    std::optional<uint64_t> fuel_used() const noexcept { return fuel_used_; }

private:
    std::string kind_;
    uint32_t code_;
    int32_t user_code_;
    std::string function_;
    uint32_t function_index_;
    uint32_t pc_;
    std::optional<std::string> detail_;
    std::optional<uint64_t> fuel_used_;
};

namespace detail {

/// Throws an Error for a non-NULL error, which it frees.
inline void check(adead_error_t *error) {
    if (error == nullptr) {
        return;
    }
    Error thrown(adead_error_kind(error), adead_error_trap_code(error), adead_error_message(error));
    adead_error_delete(error);
    throw thrown;
}

template <typename T, void (*Delete)(T *)> struct Deleter {
    void operator()(T *pointer) const noexcept { Delete(pointer); }
};

template <typename T, void (*Delete)(T *)> using Handle = std::unique_ptr<T, Deleter<T, Delete>>;

} // namespace detail

/// Typed values.
inline adead_val_t i64(int64_t v) {
    adead_val_t val{};
    val.kind = ADEAD_I64;
    val.of.i64 = v;
    return val;
}
inline adead_val_t f64(double v) {
    adead_val_t val{};
    val.kind = ADEAD_F64;
    val.of.f64 = v;
    return val;
}
inline adead_val_t f32(float v) {
    adead_val_t val{};
    val.kind = ADEAD_F32;
    val.of.f32 = v;
    return val;
}

/// Limits and tier policy; each setter returns *this for chaining.
class Config {
public:
    Config() : raw_(adead_config_new()) {}
    Config &fuel(uint64_t fuel) { return set(adead_config_set_fuel(raw(), fuel)); }
    Config &count_instructions(bool on) { return set(adead_config_set_count_instructions(raw(), on)); }
    Config &tier(adead_tier_t tier) { return set(adead_config_set_tier(raw(), tier)); }
    Config &max_call_depth(uint32_t depth) { return set(adead_config_set_max_call_depth(raw(), depth)); }
    Config &max_memory(uint64_t bytes) { return set(adead_config_set_max_memory(raw(), bytes)); }
    Config &max_tensor_bytes(uint64_t bytes) { return set(adead_config_set_max_tensor_bytes(raw(), bytes)); }
    Config &max_tensors(uint64_t count) { return set(adead_config_set_max_tensors(raw(), count)); }
    Config &kernel_threads(size_t threads) { return set(adead_config_set_kernel_threads(raw(), threads)); }
    Config &interruptible(bool on) { return set(adead_config_set_interruptible(raw(), on)); }
    adead_config_t *raw() const noexcept { return raw_.get(); }

private:
    Config &set(adead_error_t *error) {
        detail::check(error);
        return *this;
    }
    detail::Handle<adead_config_t, adead_config_delete> raw_;
};

/// An engine (copies the config).
class Engine {
public:
    Engine() : raw_(adead_engine_new(nullptr)) {}
    explicit Engine(const Config &config) : raw_(adead_engine_new(config.raw())) {}
    adead_engine_t *raw() const noexcept { return raw_.get(); }
    /// Stops the engine's running calls (from another thread); needs Config::interruptible.
    void interrupt() const { detail::check(adead_engine_interrupt(raw())); }
    void clear_interrupt() const { detail::check(adead_engine_clear_interrupt(raw())); }

private:
    detail::Handle<adead_engine_t, adead_engine_delete> raw_;
};

/// A verified module.
class Module {
public:
    static Module from_asm(const Engine &engine, std::string_view source, const char *file_name = nullptr) {
        adead_module_t *module = nullptr;
        detail::check(adead_module_from_asm(engine.raw(), source.data(), source.size(), file_name, &module));
        return Module(module);
    }
    static Module from_bytes(const Engine &engine, const std::vector<uint8_t> &bytes) {
        adead_module_t *module = nullptr;
        detail::check(adead_module_new(engine.raw(), bytes.data(), bytes.size(), &module));
        return Module(module);
    }
    adead_module_t *raw() const noexcept { return raw_.get(); }

private:
    explicit Module(adead_module_t *raw) : raw_(raw) {}
    detail::Handle<adead_module_t, adead_module_delete> raw_;
};

/// A host function's view of the calling instance (valid during the callback only).
class Caller {
public:
    explicit Caller(adead_caller_t *raw) noexcept : raw_(raw) {}
    uint64_t tensor_new(const std::vector<size_t> &shape, const std::vector<float> &data) {
        uint64_t handle = 0;
        detail::check(adead_caller_tensor_new(raw_, shape.data(), shape.size(), data.data(), data.size(), &handle));
        return handle;
    }
    std::vector<size_t> tensor_shape(uint64_t handle) {
        size_t shape[ADEAD_TENSOR_MAX_RANK];
        size_t rank = 0;
        detail::check(adead_caller_tensor_shape(raw_, handle, shape, ADEAD_TENSOR_MAX_RANK, &rank));
        return std::vector<size_t>(shape, shape + rank);
    }
    std::vector<float> tensor_read(uint64_t handle) {
        const float *data = nullptr;
        size_t len = 0;
        detail::check(adead_caller_tensor_data(raw_, handle, &data, &len));
        return std::vector<float>(data, data + len);
    }
    adead_caller_t *raw() const noexcept { return raw_; }

private:
    adead_caller_t *raw_;
};

/// A host function: returns its result (ignored when the signature has none), or
/// throws to fail the call.
using HostFunction = std::function<adead_val_t(Caller &, const std::vector<adead_val_t> &)>;

/// Host functions by name.
class Imports {
public:
    Imports() : raw_(adead_imports_new()) {}
    Imports &define(const std::string &name, const std::vector<adead_valkind_t> &params,
                    std::optional<adead_valkind_t> result, HostFunction function) {
        auto env = std::make_unique<HostFunction>(std::move(function));
        const adead_valkind_t *result_kind = result ? &*result : nullptr;
        // On failure the library calls neither the callback nor the finalizer, so `env`
        // is still ours to free (the unique_ptr does, as check throws).
        detail::check(adead_imports_define(raw(), name.c_str(), params.data(), params.size(), result_kind,
                                           &trampoline, env.get(), &finalize));
        env.release();
        return *this;
    }
    adead_imports_t *raw() const noexcept { return raw_.get(); }

private:
    static adead_error_t *trampoline(void *env, adead_caller_t *caller, const adead_val_t *args, size_t nargs,
                                     adead_val_t *result) noexcept {
        try {
            Caller wrapped(caller);
            std::vector<adead_val_t> values(args, args + nargs);
            adead_val_t value = (*static_cast<HostFunction *>(env))(wrapped, values);
            if (result != nullptr) {
                *result = value;
            }
            return nullptr;
        } catch (const std::exception &error) {
            return adead_error_new(error.what());
        } catch (...) {
            return adead_error_new("a host function threw a non-standard exception");
        }
    }
    static void finalize(void *env) noexcept { delete static_cast<HostFunction *>(env); }

    detail::Handle<adead_imports_t, adead_imports_delete> raw_;
};

/// One function's counts.
struct FunctionProfile {
    std::string name;
    uint64_t calls;
    bool hot;
};

/// A copy of an instance's counters.
struct Profile {
    std::optional<uint64_t> instructions;
    std::vector<FunctionProfile> functions;
};

/// An instance: memory, tensors and host functions of one module.
class Instance {
public:
    explicit Instance(const Module &module, const Imports *imports = nullptr) {
        adead_instance_t *instance = nullptr;
        detail::check(adead_instance_new(module.raw(), imports ? imports->raw() : nullptr, &instance));
        raw_.reset(instance);
    }

    /// Calls an export; throws Trap when it traps, Error when it cannot start. The
    /// result is the register's 64 bits as ADEAD_I64.
    adead_val_t call(const std::string &name, const std::vector<adead_val_t> &args) {
        adead_val_t result{};
        adead_trap_t *trap = nullptr;
        detail::check(adead_instance_call(raw(), name.c_str(), args.data(), args.size(), &result, &trap));
        if (trap != nullptr) {
            Trap thrown(trap);
            adead_trap_delete(trap);
            throw thrown;
        }
        return result;
    }

    uint64_t tensor_new(const std::vector<size_t> &shape, const std::vector<float> &data) {
        uint64_t handle = 0;
        detail::check(
            adead_instance_tensor_new(raw(), shape.data(), shape.size(), data.data(), data.size(), &handle));
        return handle;
    }
    std::vector<size_t> tensor_shape(uint64_t handle) const {
        size_t shape[ADEAD_TENSOR_MAX_RANK];
        size_t rank = 0;
        detail::check(adead_instance_tensor_shape(raw(), handle, shape, ADEAD_TENSOR_MAX_RANK, &rank));
        return std::vector<size_t>(shape, shape + rank);
    }
    /// A copy of the tensor's elements, row-major.
    std::vector<float> tensor_read(uint64_t handle) const {
        const float *data = nullptr;
        size_t len = 0;
        detail::check(adead_instance_tensor_data(raw(), handle, &data, &len));
        return std::vector<float>(data, data + len);
    }
    void tensor_write(uint64_t handle, const std::vector<float> &data) {
        detail::check(adead_instance_tensor_write(raw(), handle, data.data(), data.size()));
    }
    void tensor_free(uint64_t handle) { detail::check(adead_instance_tensor_free(raw(), handle)); }

    /// Fuel the last call used, when the engine counts it.
    std::optional<uint64_t> fuel_used() const {
        uint64_t fuel = 0;
        if (adead_instance_fuel_used(raw(), &fuel)) {
            return fuel;
        }
        return std::nullopt;
    }

    Profile profile() const {
        adead_profile_t *raw_profile = nullptr;
        detail::check(adead_instance_profile(raw(), &raw_profile));
        detail::Handle<adead_profile_t, adead_profile_delete> owned(raw_profile);
        Profile profile;
        uint64_t instructions = 0;
        if (adead_profile_instructions(raw_profile, &instructions)) {
            profile.instructions = instructions;
        }
        for (size_t i = 0; i < adead_profile_function_count(raw_profile); i++) {
            adead_function_profile_t function{};
            if (adead_profile_function(raw_profile, i, &function)) {
                profile.functions.push_back({function.name, function.calls, function.hot});
            }
        }
        return profile;
    }

    adead_instance_t *raw() const noexcept { return raw_.get(); }

private:
    detail::Handle<adead_instance_t, adead_instance_delete> raw_;
};

} // namespace adead

#endif // ADEAD_HPP
