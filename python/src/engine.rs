//! `adead.Engine` and `adead.Module`: configuration, loading, and instantiation.

use std::path::PathBuf;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use adead_kernels::Isa;
use adead_vm::{Config, Tier};

use crate::errors;
use crate::instance::{self, Instance};

/// The Config as a dict of its fields (what `Engine.config` and
/// `adead.default_config()` return).
fn config_dict<'py>(py: Python<'py>, config: &Config) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("fuel", config.fuel)?;
    dict.set_item("count_instructions", config.count_instructions)?;
    dict.set_item("interruptible", config.interruptible)?;
    dict.set_item("tier", config.tier.name())?;
    dict.set_item("baseline_threshold", config.baseline_threshold)?;
    dict.set_item("jit_threshold", config.jit_threshold)?;
    dict.set_item("background_compile", config.background_compile)?;
    dict.set_item("native_stack", config.native_stack)?;
    dict.set_item("count_executions", config.count_executions)?;
    dict.set_item("perf_map", config.perf_map)?;
    dict.set_item("max_call_depth", config.max_call_depth)?;
    dict.set_item("max_stack_registers", config.max_stack_registers)?;
    dict.set_item("max_memory", config.max_memory)?;
    dict.set_item("max_tensor_bytes", config.max_tensor_bytes)?;
    dict.set_item("max_tensors", config.max_tensors)?;
    dict.set_item("kernel_isa", config.kernel_isa.map(Isa::name))?;
    dict.set_item("kernel_threads", config.kernel_threads)?;
    Ok(dict)
}

/// The VM's default configuration, field by field: what an `Engine()` keyword left
/// out (or passed as None) gets.
#[pyfunction]
pub(crate) fn default_config(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    config_dict(py, &Config::default())
}

/// The `.bib` image of the assembly ``text`` (named ``name`` in diagnostics and debug
/// information): what ``adead-asm`` writes, for :meth:`Engine.load` to read back, so
/// that a module can be assembled once and shipped as bytes.
///
/// Raises:
///     adead.LoadError: ``kind == "assemble"``, with every diagnostic.
#[pyfunction]
#[pyo3(signature = (text, name = "x.asm"))]
pub(crate) fn assemble<'py>(
    py: Python<'py>,
    text: &str,
    name: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    match py.detach(|| adead_asm::assemble(text, name)) {
        Ok(module) => Ok(PyBytes::new(py, &adead_isa::format::write(&module))),
        Err(diagnostics) => Err(errors::load_error(
            py,
            &adead_vm::LoadError::Assemble {
                count: diagnostics.total(),
                rendered: diagnostics.render(text, name),
            },
        )),
    }
}

/// The VM's engine: the limits every call enforces, the tier policy, and the tensor
/// kernels shared by the modules loaded with it.
///
/// Every keyword is a field of the VM's ``Config``; one left out, or None, keeps the
/// VM's default (see :func:`adead.default_config`), except ``fuel``, where None means
/// no limit (the default). An unknown keyword raises TypeError, a bad value ValueError
/// (or OverflowError for a negative count).
///
/// Args:
///     fuel: fuel one call from the host may use (one unit per instruction, plus the
///         work of memory and tensor instructions); a call that runs out raises
///         :class:`adead.Trap` with ``kind == "out_of_fuel"``.
///     count_instructions: count fuel even without a budget (``Trap.fuel_used``,
///         ``Instance.fuel_used``, ``Instance.profile()``).
///     interruptible: let :meth:`Engine.interrupt` stop running calls (from another
///         thread: calls release the GIL).
///     tier: ``"interp"``, ``"baseline"``, ``"opt"`` or ``"auto"`` (the default: the
///         interpreter first, then native code for what runs often).
///     baseline_threshold, jit_threshold: entries or loop iterations before ``"auto"``
///         moves a function to the baseline and the optimizing tier.
///     background_compile: compile optimized code on a background thread.
///     native_stack: bytes of machine stack native code may use.
///     count_executions: count how many times each instruction executes, on every tier.
///     perf_map: write ``/tmp/perf-<pid>.map`` for ``perf``.
///     max_call_depth: most nested calls.
///     max_stack_registers: most registers all live frames may hold.
///     max_memory: most bytes linear memory may grow to.
///     max_tensor_bytes: most bytes an instance's live tensors may hold.
///     max_tensors: most live tensors per instance.
///     kernel_isa: ``"scalar"``, ``"avx2"`` or ``"avx512"`` (default: the best this
///         CPU has); results are identical on every path.
///     kernel_threads: threads for large tensor operations (0: one per CPU).
#[pyclass(module = "adead", frozen)]
pub struct Engine {
    pub(crate) inner: adead_vm::Engine,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (
        *, fuel=None, count_instructions=None, interruptible=None, tier=None,
        baseline_threshold=None, jit_threshold=None, background_compile=None,
        native_stack=None, count_executions=None, perf_map=None, max_call_depth=None,
        max_stack_registers=None, max_memory=None, max_tensor_bytes=None, max_tensors=None,
        kernel_isa=None, kernel_threads=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        fuel: Option<u64>,
        count_instructions: Option<bool>,
        interruptible: Option<bool>,
        tier: Option<&str>,
        baseline_threshold: Option<u64>,
        jit_threshold: Option<u64>,
        background_compile: Option<bool>,
        native_stack: Option<u64>,
        count_executions: Option<bool>,
        perf_map: Option<bool>,
        max_call_depth: Option<u32>,
        max_stack_registers: Option<u64>,
        max_memory: Option<u64>,
        max_tensor_bytes: Option<u64>,
        max_tensors: Option<u64>,
        kernel_isa: Option<&str>,
        kernel_threads: Option<usize>,
    ) -> PyResult<Engine> {
        let defaults = Config::default();
        let tier = match tier {
            Some(name) => name.parse::<Tier>().map_err(PyValueError::new_err)?,
            None => defaults.tier,
        };
        let kernel_isa = match kernel_isa {
            Some(name) => {
                let isa = Isa::parse(name).map_err(|e| PyValueError::new_err(e.to_string()))?;
                isa.check_available()
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                Some(isa)
            }
            None => defaults.kernel_isa,
        };
        let config = Config {
            fuel,
            count_instructions: count_instructions.unwrap_or(defaults.count_instructions),
            interruptible: interruptible.unwrap_or(defaults.interruptible),
            tier,
            baseline_threshold: baseline_threshold.unwrap_or(defaults.baseline_threshold),
            jit_threshold: jit_threshold.unwrap_or(defaults.jit_threshold),
            background_compile: background_compile.unwrap_or(defaults.background_compile),
            native_stack: native_stack.unwrap_or(defaults.native_stack),
            count_executions: count_executions.unwrap_or(defaults.count_executions),
            record_tensor_ops: defaults.record_tensor_ops,
            perf_map: perf_map.unwrap_or(defaults.perf_map),
            max_call_depth: max_call_depth.unwrap_or(defaults.max_call_depth),
            max_stack_registers: max_stack_registers.unwrap_or(defaults.max_stack_registers),
            max_memory: max_memory.unwrap_or(defaults.max_memory),
            max_tensor_bytes: max_tensor_bytes.unwrap_or(defaults.max_tensor_bytes),
            max_tensors: max_tensors.unwrap_or(defaults.max_tensors),
            kernel_isa,
            kernel_threads: kernel_threads.unwrap_or(defaults.kernel_threads),
            kernel_tuning: defaults.kernel_tuning,
        };
        Ok(Engine {
            inner: adead_vm::Engine::new(config),
        })
    }

    /// The configuration in force, as a dict of the ``Config`` fields.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        config_dict(py, self.inner.config())
    }

    /// Loads a module: ``bytes`` (or any bytes-like object) are a ``.bib`` image; a
    /// ``str`` or ``os.PathLike`` is a file, read as a ``.bib`` image when it starts
    /// with the format's magic (``ADEADBIB``) and as assembly text (UTF-8) otherwise.
    ///
    /// Raises:
    ///     adead.LoadError: the module is malformed, fails verification or does not
    ///         assemble.
    ///     OSError: the file cannot be read.
    fn load(self_: Bound<'_, Self>, source: &Bound<'_, PyAny>) -> PyResult<Module> {
        let py = self_.py();
        let engine = &self_.get().inner;
        let loaded = if let Ok(path) = source.extract::<PathBuf>()
            && !source.is_instance_of::<PyBytes>()
        {
            let bytes = std::fs::read(&path)?;
            if bytes.starts_with(&adead_isa::format::MAGIC) {
                py.detach(|| adead_vm::Module::from_bytes(engine, &bytes))
            } else {
                let text = String::from_utf8(bytes).map_err(|_| {
                    errors::load_message(
                        py,
                        format!(
                            "{}: neither a .bib module (no ADEADBIB magic) nor UTF-8 assembly text",
                            path.display()
                        ),
                    )
                })?;
                let name = path.to_string_lossy().into_owned();
                py.detach(|| adead_vm::Module::from_asm(engine, &text, &name))
            }
        } else {
            let bytes = pyo3::buffer::PyBuffer::<u8>::get(source)
                .map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!(
                        "Engine.load takes bytes (a .bib image) or a path, not {}",
                        source
                            .get_type()
                            .name()
                            .map_or_else(|_| "?".into(), |n| n.to_string())
                    ))
                })?
                .to_vec(py)?;
            py.detach(|| adead_vm::Module::from_bytes(engine, &bytes))
        };
        Module::wrap(py, self_.unbind(), loaded)
    }

    /// Assembles ``text`` (named ``name`` in diagnostics, traps and debug information)
    /// and loads the module.
    ///
    /// Raises:
    ///     adead.LoadError: with ``kind == "assemble"`` and every diagnostic in the
    ///         message, or a verification failure.
    #[pyo3(signature = (text, name = "x.asm"))]
    fn load_asm(self_: Bound<'_, Self>, text: &str, name: &str) -> PyResult<Module> {
        let py = self_.py();
        let engine = &self_.get().inner;
        let loaded = py.detach(|| adead_vm::Module::from_asm(engine, text, name));
        Module::wrap(py, self_.unbind(), loaded)
    }

    /// Asks every running call of this engine to stop: each raises
    /// :class:`adead.Trap` with ``kind == "interrupted"`` at its next function entry or
    /// loop back-edge. The request stays (later calls stop at once) until
    /// :meth:`clear_interrupt`. Needs ``Engine(interruptible=True)``.
    fn interrupt(&self) -> PyResult<()> {
        self.handle()?.interrupt();
        Ok(())
    }

    /// Withdraws a request made by :meth:`interrupt`.
    fn clear_interrupt(&self) -> PyResult<()> {
        self.handle()?.clear();
        Ok(())
    }

    fn __repr__(&self) -> String {
        let config = self.inner.config();
        format!(
            "adead.Engine(tier={:?}, fuel={})",
            config.tier.name(),
            config.fuel.map_or("None".to_string(), |f| f.to_string())
        )
    }
}

impl Engine {
    fn handle(&self) -> PyResult<adead_vm::InterruptHandle> {
        self.inner.interrupt_handle().ok_or_else(|| {
            PyRuntimeError::new_err("this engine was not made with interruptible=True")
        })
    }
}

/// A loaded module: read, verified and prepared once; instantiate it as often as
/// needed (each :class:`Instance` has its own memory and tensors).
#[pyclass(module = "adead", frozen)]
pub struct Module {
    pub(crate) inner: adead_vm::Module,
    engine: Py<Engine>,
}

impl Module {
    fn wrap(
        py: Python<'_>,
        engine: Py<Engine>,
        loaded: Result<adead_vm::Module, adead_vm::LoadError>,
    ) -> PyResult<Module> {
        match loaded {
            Ok(inner) => Ok(Module { inner, engine }),
            Err(error) => Err(errors::load_error(py, &error)),
        }
    }
}

#[pymethods]
impl Module {
    /// A new instance with its own linear memory (initialised from the data section)
    /// and tensor table.
    ///
    /// Args:
    ///     imports: a dict from import name to Python callable, one for every host
    ///         function the module calls (extra entries are ignored). A callable gets
    ///         the module's arguments as ints unless declared otherwise with
    ///         :func:`adead.host`; its arity must match the import's parameter count.
    ///         An exception it raises ends the call with an :class:`adead.Trap` of kind
    ///         ``"host"`` whose message carries the exception's text and whose
    ///         ``__cause__`` is the exception (``KeyboardInterrupt`` and other
    ///         exceptions that are not ``Exception`` subclasses are re-raised as they
    ///         are).
    ///
    /// Raises:
    ///     adead.InstantiateError: a missing import, a mismatched arity, or initial
    ///         memory over ``max_memory``.
    #[pyo3(signature = (imports = None))]
    fn instantiate(
        self_: Bound<'_, Self>,
        imports: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Instance> {
        instance::instantiate(self_, imports)
    }

    /// The exported functions: a dict from name to parameter count.
    #[getter]
    fn exports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let isa = self.inner.isa();
        let dict = PyDict::new(py);
        for export in &isa.exports {
            dict.set_item(&export.name, isa.functions[export.func as usize].params)?;
        }
        Ok(dict)
    }

    /// The host functions the module calls: a dict from name to argument count.
    #[getter]
    fn imports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for import in &self.inner.isa().imports {
            dict.set_item(&import.name, import.params)?;
        }
        Ok(dict)
    }

    /// Every function, in module order: a list of ``(name, parameter count)``.
    #[getter]
    fn functions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .inner
            .isa()
            .functions
            .iter()
            .map(|f| {
                PyTuple::new(
                    py,
                    [
                        f.name.clone().into_pyobject(py)?.into_any(),
                        f.params.into_pyobject(py)?.into_any(),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    /// The engine the module was loaded with.
    #[getter]
    fn engine(&self, py: Python<'_>) -> Py<Engine> {
        self.engine.clone_ref(py)
    }

    fn __repr__(&self) -> String {
        let isa = self.inner.isa();
        format!(
            "<adead.Module: {} function(s), exports {:?}>",
            isa.functions.len(),
            isa.exports
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
        )
    }
}
