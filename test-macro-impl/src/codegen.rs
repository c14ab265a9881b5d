//! Generates the `marine_test_env` module from loaded service interfaces.
//!
//! Layout (single service, at depth 1 under `marine_test_env`):
//! `marine_test_env::<module>::{ModuleInterface, <records>}`.
//! Several services (depth 3): `marine_test_env::<service>::{ServiceInterface, <facade records>,
//! modules::<module>::{ModuleInterface, <records>}}`.
//!
//! Interfaces are the ABI core's ([`ModuleInterface`], [`IType`], [`IRecordType`],
//! [`FunctionSignature`]), read by [`crate::interface::read`].
//!
//! Records are deduplicated by shape (name, field names and field types, nested records
//! compared by shape): the first module (services in attribute order, modules in config
//! order) that declares a shape owns the struct, the others `pub use` it. Equal names with
//! different shapes stay distinct types.

use std::collections::HashMap;
use std::path::PathBuf;

use marine_ast::types::{IEnumType, VariantKind};
use marine_ast::{FunctionSignature, IRecordType, IType, ModuleInterface};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

/// Path of the crate holding the runtime glue, as the generated code names it.
fn krate() -> TokenStream {
    quote!(::marine_rs_sdk_test)
}

/// Why code could not be generated (a name clash in the interface).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GenError(pub String);

/// One module with its interface.
#[derive(Clone, Debug)]
pub struct LoadedModule {
    /// The module's name in the config.
    pub name: String,
    /// Its wasm file (included with `include_bytes!` so tests recompile when it changes).
    pub wasm_path: PathBuf,
    /// Its interface.
    pub interface: ModuleInterface,
}

/// One service: its config and modules (in load order; the last is the facade).
#[derive(Clone, Debug)]
pub struct LoadedService {
    /// Service name in the multi-service form; `None` for the single-service form.
    pub name: Option<Ident>,
    /// Absolute config path.
    pub config_path: PathBuf,
    /// Absolute `modules_dir` override, if any.
    pub modules_dir: Option<PathBuf>,
    /// The modules.
    pub modules: Vec<LoadedModule>,
}

/// Turns a name into an identifier: characters other than ASCII letters, digits and `_`
/// become `_`, a leading digit gets a `_` prefix, keywords become raw identifiers.
pub fn ident_for(name: &str) -> Ident {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if s == "_" {
        s.push('_');
    }
    if syn::parse_str::<Ident>(&s).is_ok() {
        return Ident::new(&s, Span::call_site());
    }
    match s.as_str() {
        "self" | "Self" | "super" | "crate" => format_ident!("{}_", s),
        _ => Ident::new_raw(&s, Span::call_site()),
    }
}

/// The module identifiers of a service, checked for clashes.
pub fn module_idents(service: &LoadedService) -> Result<Vec<Ident>, GenError> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::new();
    for m in &service.modules {
        let ident = ident_for(&m.name);
        let key = ident.to_string();
        if let Some(prev) = seen.insert(key.clone(), &m.name) {
            return Err(GenError(format!(
                "modules `{prev}` and `{}` both become the identifier `{key}`",
                m.name
            )));
        }
        out.push(ident);
    }
    Ok(out)
}

fn ty_tokens(ty: &IType) -> TokenStream {
    match ty {
        IType::Boolean => quote!(bool),
        IType::S8 => quote!(i8),
        IType::S16 => quote!(i16),
        IType::S32 => quote!(i32),
        IType::S64 => quote!(i64),
        IType::U8 => quote!(u8),
        IType::U16 => quote!(u16),
        IType::U32 => quote!(u32),
        IType::U64 => quote!(u64),
        IType::F32 => quote!(f32),
        IType::F64 => quote!(f64),
        IType::String => quote!(String),
        IType::ByteArray => quote!(Vec<u8>),
        IType::Array(inner) => {
            let inner = ty_tokens(inner);
            quote!(Vec<#inner>)
        }
        IType::Record(record) => {
            let ident = ident_for(&record.name);
            quote!(#ident)
        }
        // The Rust forms of the extension types (docs/abi-extensions.md).
        IType::Option(inner) => {
            let inner = ty_tokens(inner);
            quote!(Option<#inner>)
        }
        IType::Result(ok, err) => {
            let (ok, err) = (ty_tokens(ok), ty_tokens(err));
            quote!(Result<#ok, #err>)
        }
        IType::Tuple(items) if items.is_empty() => {
            let krate = krate();
            quote!(#krate::internal::Unit)
        }
        IType::Tuple(items) => {
            let items = items.iter().map(ty_tokens);
            quote!((#(#items,)*))
        }
        IType::Enum(e) => {
            let ident = ident_for(&e.name);
            quote!(#ident)
        }
    }
}

/// Numbers record shapes: two records get the same id exactly when they have the same shape.
/// A shape's key names its nested records by their ids, so keys stay as long as the record's
/// own declaration (a DAG of records sharing fields does not expand exponentially), and the
/// walk is bounded by the interface's type depth, which reading bounds.
#[derive(Default)]
struct Shapes {
    ids: HashMap<String, usize>,
}

impl Shapes {
    /// The shape id of a record of one module (`memo`: the ids already computed in that
    /// module, by record name; a module's records have distinct names).
    fn record(&mut self, record: &IRecordType, memo: &mut HashMap<String, usize>) -> usize {
        if let Some(id) = memo.get(&record.name) {
            return *id;
        }
        let fields: Vec<String> = record
            .fields
            .iter()
            .map(|f| format!("{:?}:{}", f.name, self.ty(&f.ty, memo)))
            .collect();
        // Names quoted, so no name can imitate the separators.
        let key = format!("{:?}{{{}}}", record.name, fields.join(","));
        let next = self.ids.len();
        let id = *self.ids.entry(key).or_insert(next);
        memo.insert(record.name.clone(), id);
        id
    }

    fn ty(&mut self, ty: &IType, memo: &mut HashMap<String, usize>) -> String {
        match ty {
            IType::Array(inner) => format!("[{}]", self.ty(inner, memo)),
            IType::Record(record) => format!("#{}", self.record(record, memo)),
            // Enums are generated in each module; a record that uses one is shared only with
            // modules whose enum of that name has the same variants (by their text form).
            IType::Enum(e) => format!("{:?}", e.to_string()),
            other => other.to_string(),
        }
    }
}

/// Where each record's struct lives: `owners[service][module][record]` is the path (from
/// `marine_test_env`) of the owning module, or `None` when the module owns it.
type Owners = Vec<Vec<HashMap<String, Option<Vec<Ident>>>>>;

fn module_path(service: &LoadedService, module: &Ident) -> Vec<Ident> {
    match &service.name {
        None => vec![module.clone()],
        Some(svc) => vec![svc.clone(), format_ident!("modules"), module.clone()],
    }
}

fn owners(services: &[LoadedService], idents: &[Vec<Ident>]) -> Owners {
    let mut shapes = Shapes::default();
    let mut by_shape: HashMap<usize, Vec<Ident>> = HashMap::new();
    let mut out = Vec::new();
    for (s, service) in services.iter().enumerate() {
        let mut per_module = Vec::new();
        for (m, module) in service.modules.iter().enumerate() {
            let mut map = HashMap::new();
            let mut memo = HashMap::new();
            for (name, record) in &module.interface.records {
                let shape = shapes.record(record, &mut memo);
                match by_shape.get(&shape) {
                    Some(path) => {
                        map.insert(name.clone(), Some(path.clone()));
                    }
                    None => {
                        by_shape.insert(shape, module_path(service, &idents[s][m]));
                        map.insert(name.clone(), None);
                    }
                }
            }
            per_module.push(map);
        }
        out.push(per_module);
    }
    out
}

fn record_struct(record: &IRecordType) -> TokenStream {
    let krate = krate();
    let name = ident_for(&record.name);
    let fields = record.fields.iter().map(|field| {
        let f = &field.name;
        let ident = ident_for(f);
        let ty = ty_tokens(&field.ty);
        let rename = (ident.to_string().trim_start_matches("r#") != f.as_str())
            .then(|| quote!(#[serde(rename = #f)]));
        quote!(#rename pub #ident: #ty)
    });
    let doc = format!(" Record `{}` of the module interface.", record.name);
    let serde_path = format!("{}::internal::serde", krate.to_string().replace(' ', ""));
    let host_value = record_host_value(record);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, #krate::internal::serde::Serialize, #krate::internal::serde::Deserialize)]
        #[serde(crate = #serde_path)]
        pub struct #name {
            #(#fields,)*
        }
        #host_value
    }
}

/// A `#[marine]` enum of the module interface as a Rust enum (serde's externally tagged form,
/// the runtime's JSON form) with its conversions from and to interface values.
fn enum_tokens(e: &IEnumType) -> TokenStream {
    let krate = krate();
    let internal = quote!(#krate::internal);
    let name = ident_for(&e.name);
    let enum_name = &e.name;
    let serde_path = format!("{}::internal::serde", krate.to_string().replace(' ', ""));
    let mut defs = Vec::new();
    let mut itypes = Vec::new();
    let mut from_arms = Vec::new();
    let mut into_arms = Vec::new();
    for (index, v) in e.variants.iter().enumerate() {
        let index = index as u32;
        let vname = &v.name;
        let vident = ident_for(vname);
        let rename = (vident.to_string().trim_start_matches("r#") != vname.as_str())
            .then(|| quote!(#[serde(rename = #vname)]));
        let binds: Vec<Ident> = (0..v.fields.len())
            .map(|i| format_ident!("f{}", i))
            .collect();
        let field_names: Vec<&String> = v.fields.iter().map(|f| &f.name).collect();
        let field_itypes: Vec<TokenStream> = v.fields.iter().map(|f| itype_tokens(&f.ty)).collect();
        let count = v.fields.len();
        let (def, pattern, kind) = match v.kind {
            VariantKind::Unit => (quote!(#rename #vident), quote!(Self::#vident), quote!(Unit)),
            VariantKind::Tuple => {
                let tys = v.fields.iter().map(|f| ty_tokens(&f.ty));
                (
                    quote!(#rename #vident(#(#tys),*)),
                    quote!(Self::#vident(#(#binds),*)),
                    quote!(Tuple),
                )
            }
            VariantKind::Struct => {
                let idents: Vec<Ident> = v.fields.iter().map(|f| ident_for(&f.name)).collect();
                let fields = v.fields.iter().zip(&idents).map(|(f, i)| {
                    let t = ty_tokens(&f.ty);
                    let fname = &f.name;
                    let rename = (i.to_string().trim_start_matches("r#") != fname.as_str())
                        .then(|| quote!(#[serde(rename = #fname)]));
                    quote!(#rename #i: #t)
                });
                (
                    quote!(#rename #vident { #(#fields),* }),
                    quote!(Self::#vident { #(#idents: #binds),* }),
                    quote!(Struct),
                )
            }
        };
        defs.push(def);
        itypes.push(quote! {
            #internal::IEnumVariant {
                name: #vname.to_string(),
                kind: #internal::VariantKind::#kind,
                fields: ::std::vec![#(#internal::IRecordField {
                    name: #field_names.to_string(),
                    ty: #field_itypes,
                }),*],
            }
        });
        let what = format!("enum `{enum_name}`, variant `{vname}`");
        from_arms.push(quote! {
            #index => {
                let given = fields.len();
                let [#(#binds),*] = <[#internal::IValue; #count]>::try_from(fields)
                    .map_err(|_| ::std::format!("{}: expected {} fields, given {}", #what, #count, given))?;
                #(let #binds = #internal::HostValue::from_ivalue(#binds)
                    .map_err(|e| ::std::format!("{}: {}", #what, e))?;)*
                ::core::result::Result::Ok(#pattern)
            }
        });
        into_arms.push(quote! {
            #pattern => #internal::IValue::Variant {
                index: #index,
                fields: ::std::vec![#(#internal::HostValue::into_ivalue(#binds)),*],
            }
        });
    }
    let doc = format!(" Enum `{}` of the module interface.", e.name);
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, #krate::internal::serde::Serialize, #krate::internal::serde::Deserialize)]
        #[serde(crate = #serde_path)]
        pub enum #name {
            #(#defs,)*
        }

        impl #internal::HostValue for #name {
            fn itype() -> #internal::IType {
                #internal::IType::Enum(::std::sync::Arc::new(#internal::IEnumType {
                    name: #enum_name.to_string(),
                    variants: ::std::vec![#(#itypes),*],
                }))
            }

            fn from_ivalue(value: #internal::IValue) -> ::core::result::Result<Self, ::std::string::String> {
                let (index, fields) = #internal::enum_variant(value, #enum_name)?;
                match index {
                    #(#from_arms)*
                    other => ::core::result::Result::Err(::std::format!(
                        "enum `{}` has no variant {}", #enum_name, other
                    )),
                }
            }

            fn into_ivalue(self) -> #internal::IValue {
                match self {
                    #(#into_arms,)*
                }
            }
        }
    }
}

/// An expression building `ty` (the interface's own type: `[]u8` and `[u8]` stay distinct);
/// a record's type comes from its struct's `HostValue::itype`.
fn itype_tokens(ty: &IType) -> TokenStream {
    let krate = krate();
    let itype = quote!(#krate::internal::IType);
    match ty {
        IType::Array(inner) => {
            let inner = itype_tokens(inner);
            quote!(#itype::Array(::std::boxed::Box::new(#inner)))
        }
        IType::Record(record) => {
            let ident = ident_for(&record.name);
            quote!(<#ident as #krate::internal::HostValue>::itype())
        }
        IType::Boolean => quote!(#itype::Boolean),
        IType::S8 => quote!(#itype::S8),
        IType::S16 => quote!(#itype::S16),
        IType::S32 => quote!(#itype::S32),
        IType::S64 => quote!(#itype::S64),
        IType::U8 => quote!(#itype::U8),
        IType::U16 => quote!(#itype::U16),
        IType::U32 => quote!(#itype::U32),
        IType::U64 => quote!(#itype::U64),
        IType::F32 => quote!(#itype::F32),
        IType::F64 => quote!(#itype::F64),
        IType::String => quote!(#itype::String),
        IType::ByteArray => quote!(#itype::ByteArray),
        IType::Option(inner) => {
            let inner = itype_tokens(inner);
            quote!(#itype::Option(::std::boxed::Box::new(#inner)))
        }
        IType::Result(ok, err) => {
            let (ok, err) = (itype_tokens(ok), itype_tokens(err));
            quote!(#itype::Result(::std::boxed::Box::new(#ok), ::std::boxed::Box::new(#err)))
        }
        IType::Tuple(items) => {
            let items = items.iter().map(itype_tokens);
            quote!(#itype::Tuple(::std::vec![#(#items),*]))
        }
        IType::Enum(e) => {
            let ident = ident_for(&e.name);
            quote!(<#ident as #krate::internal::HostValue>::itype())
        }
    }
}

/// The conversions of a record struct from and to interface values (fields by position, in
/// declaration order), which generated calls use instead of JSON so floats keep their bits.
fn record_host_value(record: &IRecordType) -> TokenStream {
    let krate = krate();
    let internal = quote!(#krate::internal);
    let name = ident_for(&record.name);
    let record_name = &record.name;
    let idents: Vec<Ident> = record.fields.iter().map(|f| ident_for(&f.name)).collect();
    let itypes: Vec<TokenStream> = record.fields.iter().map(|f| itype_tokens(&f.ty)).collect();
    let field_names: Vec<&String> = record.fields.iter().map(|f| &f.name).collect();
    let values: Vec<Ident> = (0..record.fields.len())
        .map(|i| format_ident!("field_{}", i))
        .collect();
    quote! {
        impl #internal::HostValue for #name {
            fn itype() -> #internal::IType {
                #internal::IType::Record(::std::sync::Arc::new(#internal::IRecordType::with_fields(
                    #record_name,
                    &[#((#field_names, #itypes)),*],
                )))
            }

            fn from_ivalue(value: #internal::IValue) -> ::core::result::Result<Self, ::std::string::String> {
                let [#(#values),*] = #internal::record_fields(value, #record_name)?;
                ::core::result::Result::Ok(Self {
                    #(#idents: #internal::record_field(#values, #record_name, #field_names)?,)*
                })
            }

            fn into_ivalue(self) -> #internal::IValue {
                #internal::IValue::Record(::std::vec![
                    #(#internal::HostValue::into_ivalue(self.#idents)),*
                ])
            }
        }
    }
}

/// The four method names of an export.
fn method_names(f: &FunctionSignature) -> [Ident; 4] {
    let base = ident_for(&f.name);
    let plain = base.to_string();
    let plain = plain.trim_start_matches("r#");
    [
        base.clone(),
        format_ident!("{}_cp", plain),
        format_ident!("try_{}", plain),
        format_ident!("try_{}_cp", plain),
    ]
}

fn check_method_clashes(module: &LoadedModule) -> Result<(), GenError> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for f in module.interface.functions.values() {
        for name in method_names(f) {
            let key = name.to_string();
            if key == "__new" {
                return Err(GenError(format!(
                    "module `{}`: export `{}` clashes with the generated constructor `__new`",
                    module.name, f.name
                )));
            }
            if let Some(prev) = seen.insert(key.clone(), &f.name) {
                return Err(GenError(format!(
                    "module `{}`: exports `{prev}` and `{}` both need a method named `{key}`",
                    module.name, f.name
                )));
            }
        }
    }
    if module.interface.records.contains_key("ModuleInterface")
        || module.interface.enums.contains_key("ModuleInterface")
    {
        return Err(GenError(format!(
            "module `{}`: record `ModuleInterface` clashes with the generated `ModuleInterface`",
            module.name
        )));
    }
    Ok(())
}

/// Arguments and a call-parameters identifier that does not clash with them.
struct Params {
    decls: Vec<TokenStream>,
    names: Vec<Ident>,
    cp: Ident,
}

fn params(f: &FunctionSignature) -> Params {
    let names: Vec<Ident> = f.arguments.iter().map(|a| ident_for(&a.name)).collect();
    let decls = f
        .arguments
        .iter()
        .zip(&names)
        .map(|(a, n)| {
            let t = ty_tokens(&a.ty);
            quote!(#n: #t)
        })
        .collect();
    let mut cp = format_ident!("cp");
    while names.contains(&cp) {
        cp = format_ident!("_{}", cp);
    }
    Params { decls, names, cp }
}

/// The Rust output type: `()` or the one output (reading refuses more than one).
fn output_tokens(f: &FunctionSignature) -> TokenStream {
    f.outputs.first().map_or_else(|| quote!(()), ty_tokens)
}

fn module_methods(module: &LoadedModule) -> TokenStream {
    let krate = krate();
    let module_name = &module.name;
    let methods = module.interface.functions.values().map(|f| {
        let [plain, cp_name, try_name, try_cp_name] = method_names(f);
        let Params { decls, names, cp } = params(f);
        let out = output_tokens(f);
        let invoke = if f.outputs.is_empty() {
            quote!(invoke_unit)
        } else {
            quote!(invoke)
        };
        let fname = &f.name;
        let doc = format!(
            " Calls `{fname}` of module `{module_name}` with default call parameters; panics with the module, function and error if the call fails."
        );
        let doc_cp = format!(
            " Calls `{fname}` of module `{module_name}` with the given call parameters; panics if the call fails."
        );
        let doc_try = format!(
            " Calls `{fname}` of module `{module_name}` with default call parameters, returning the error if the call fails."
        );
        let doc_try_cp = format!(
            " Calls `{fname}` of module `{module_name}` with the given call parameters, returning the error if the call fails."
        );
        quote! {
            #[doc = #doc]
            #[track_caller]
            pub fn #plain(&self, #(#decls),*) -> #out {
                #krate::internal::unwrap_call(self.#try_cp_name(#(#names,)* ::core::default::Default::default()))
            }
            #[doc = #doc_cp]
            #[track_caller]
            pub fn #cp_name(&self, #(#decls,)* #cp: #krate::CallParameters) -> #out {
                #krate::internal::unwrap_call(self.#try_cp_name(#(#names,)* #cp))
            }
            #[doc = #doc_try]
            pub fn #try_name(&self, #(#decls),*) -> ::core::result::Result<#out, #krate::Error> {
                self.#try_cp_name(#(#names,)* ::core::default::Default::default())
            }
            #[doc = #doc_try_cp]
            pub fn #try_cp_name(&self, #(#decls,)* #cp: #krate::CallParameters) -> ::core::result::Result<#out, #krate::Error> {
                self.service
                    .call(#module_name, #fname)
                    #(.arg(#names))*
                    .#invoke(#cp)
            }
        }
    });
    quote!(#(#methods)*)
}

fn module_tokens(
    module: &LoadedModule,
    ident: &Ident,
    depth: usize,
    owners: &HashMap<String, Option<Vec<Ident>>>,
) -> TokenStream {
    let krate = krate();
    let mut records = Vec::new();
    for (name, record) in &module.interface.records {
        match &owners[name] {
            None => records.push(record_struct(record)),
            Some(path) => {
                let supers = std::iter::repeat_n(quote!(super), depth);
                let rec = ident_for(name);
                records.push(quote!(pub use #(#supers::)* #(#path::)* #rec;));
            }
        }
    }
    for e in module.interface.enums.values() {
        records.push(enum_tokens(e));
    }
    let methods = module_methods(module);
    let doc = format!(
        " Module `{}` ({}).",
        module.name,
        module.wasm_path.display()
    );
    let iface_doc = format!(
        " Typed calls into module `{}`: one method per export, with `_cp` (call parameters) and `try_` (returns the error) variants.",
        module.name
    );
    quote! {
        #[doc = #doc]
        pub mod #ident {
            #(#records)*

            #[doc = #iface_doc]
            pub struct ModuleInterface {
                service: #krate::internal::ServiceHandle,
            }

            impl ModuleInterface {
                #[doc(hidden)]
                pub fn __new(service: #krate::internal::ServiceHandle) -> Self {
                    Self { service }
                }
                #methods
            }

            impl #krate::MarineServiceAccess for ModuleInterface {
                fn service_handle(&self) -> &#krate::internal::ServiceHandle {
                    &self.service
                }
            }
        }
    }
}

fn path_lit(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `include_bytes!` of the config and every module, so the test recompiles when they change.
fn dependency_consts(service: &LoadedService) -> TokenStream {
    let files = std::iter::once(&service.config_path)
        .chain(service.modules.iter().map(|m| &m.wasm_path))
        .map(|p| path_lit(p));
    quote!(#(const _: &[u8] = include_bytes!(#files);)*)
}

/// The arguments of `ServiceHandle::new`: config path, then `modules_dir` and the module
/// files the interfaces were read from.
fn service_ctor_args(service: &LoadedService) -> (String, TokenStream) {
    let config = path_lit(&service.config_path);
    let dir = match &service.modules_dir {
        Some(d) => {
            let d = path_lit(d);
            quote!(::core::option::Option::Some(#d))
        }
        None => quote!(::core::option::Option::None),
    };
    let modules = service.modules.iter().map(|m| {
        let name = &m.name;
        let path = path_lit(&m.wasm_path);
        quote!((#name, #path))
    });
    (config, quote!(#dir, &[#(#modules),*]))
}

/// Names a facade record may not be re-exported under at service level.
const SERVICE_LEVEL_NAMES: &[&str] = &["ServiceInterface", "GeneratedModules", "modules"];

fn service_tokens(
    service: &LoadedService,
    idents: &[Ident],
    owners: &[HashMap<String, Option<Vec<Ident>>>],
) -> TokenStream {
    let krate = krate();
    let svc = service.name.as_ref().expect("multi-service form");
    let modules = service
        .modules
        .iter()
        .zip(idents)
        .zip(owners)
        .map(|((m, ident), own)| module_tokens(m, ident, 3, own));
    let facade = service.modules.last().expect("a service has modules");
    let facade_ident = idents.last().expect("a service has modules");
    let facade_records = facade
        .interface
        .records
        .keys()
        .chain(facade.interface.enums.keys())
        .filter(|n| !SERVICE_LEVEL_NAMES.contains(&n.as_str()))
        .map(|n| ident_for(n));
    let reserved = ["new", "try_new", "service"];
    let forwards = facade.interface.functions.values().filter_map(|f| {
        let names = method_names(f);
        if names.iter().any(|n| reserved.contains(&n.to_string().as_str())) {
            return None;
        }
        let [plain, cp_name, try_name, try_cp_name] = names;
        let Params { decls, names, cp, .. } = params(f);
        let out = output_tokens(f);
        let doc = format!(
            " Calls the facade's `{}` (module `{}`); see the `ModuleInterface` of that module for the variants.",
            f.name, facade.name
        );
        Some(quote! {
            #[doc = #doc]
            #[track_caller]
            pub fn #plain(&self, #(#decls),*) -> #out {
                self.modules.#facade_ident.#plain(#(#names),*)
            }
            #[doc = #doc]
            #[track_caller]
            pub fn #cp_name(&self, #(#decls,)* #cp: #krate::CallParameters) -> #out {
                self.modules.#facade_ident.#cp_name(#(#names,)* #cp)
            }
            #[doc = #doc]
            pub fn #try_name(&self, #(#decls),*) -> ::core::result::Result<#out, #krate::Error> {
                self.modules.#facade_ident.#try_name(#(#names),*)
            }
            #[doc = #doc]
            pub fn #try_cp_name(&self, #(#decls,)* #cp: #krate::CallParameters) -> ::core::result::Result<#out, #krate::Error> {
                self.modules.#facade_ident.#try_cp_name(#(#names,)* #cp)
            }
        })
    });
    let (config, dir) = service_ctor_args(service);
    let deps = dependency_consts(service);
    let field_inits = idents
        .iter()
        .map(|i| quote!(#i: modules::#i::ModuleInterface::__new(service.clone())));
    let svc_doc = format!(" Service `{svc}` ({config}).");
    let modules_doc = format!(" The modules of service `{svc}`.");
    let iface_doc = format!(
        " A fresh instance of service `{svc}`: the facade's exports as methods, every module under `.modules`."
    );
    quote! {
        #[doc = #svc_doc]
        pub mod #svc {
            #deps

            /// Per-module interfaces.
            pub mod modules {
                #(#modules)*
            }

            pub use self::modules::#facade_ident::{#(#facade_records),*};

            #[doc = #modules_doc]
            pub struct GeneratedModules {
                #(pub #idents: modules::#idents::ModuleInterface,)*
            }

            #[doc = #iface_doc]
            pub struct ServiceInterface {
                /// Every module of the service.
                pub modules: GeneratedModules,
                service: #krate::internal::ServiceHandle,
            }

            impl ServiceInterface {
                /// Creates the service from its config; panics with the reason if it cannot.
                #[track_caller]
                pub fn new() -> Self {
                    #krate::internal::unwrap_call(Self::try_new())
                }

                /// Creates the service from its config.
                pub fn try_new() -> ::core::result::Result<Self, #krate::Error> {
                    let service = #krate::internal::ServiceHandle::new(#config, #dir)?;
                    ::core::result::Result::Ok(Self {
                        modules: GeneratedModules { #(#field_inits,)* },
                        service,
                    })
                }

                /// The underlying service, for untyped calls.
                pub fn service(&self) -> &#krate::internal::ServiceHandle {
                    &self.service
                }

                #(#forwards)*
            }

            impl #krate::MarineServiceAccess for ServiceInterface {
                fn service_handle(&self) -> &#krate::internal::ServiceHandle {
                    &self.service
                }
            }
        }
    }
}

/// Generates `pub mod marine_test_env { ... }` for the services (one unnamed service for the
/// single-service form, or named services).
pub fn generate_env(services: &[LoadedService]) -> Result<TokenStream, GenError> {
    let mut idents = Vec::new();
    for service in services {
        for m in &service.modules {
            check_method_clashes(m)?;
        }
        idents.push(module_idents(service)?);
    }
    let owners = owners(services, &idents);
    let body = match services {
        [single] if single.name.is_none() => {
            let deps = dependency_consts(single);
            let modules = single
                .modules
                .iter()
                .zip(&idents[0])
                .zip(&owners[0])
                .map(|((m, ident), own)| module_tokens(m, ident, 1, own));
            quote!(#deps #(#modules)*)
        }
        _ => {
            let services = services
                .iter()
                .enumerate()
                .map(|(i, s)| service_tokens(s, &idents[i], &owners[i]));
            quote!(#(#services)*)
        }
    };
    Ok(quote! {
        /// Typed interfaces of the modules under test, generated by `#[marine_test]`.
        #[allow(dead_code, unused_imports, non_snake_case, non_camel_case_types, clippy::all)]
        pub mod marine_test_env {
            #body
        }
    })
}

/// Tokens that create a fresh single-service handle (used by the fn form).
pub fn single_service_ctor(service: &LoadedService) -> TokenStream {
    let krate = krate();
    let (config, dir) = service_ctor_args(service);
    quote!(#krate::internal::unwrap_call(#krate::internal::ServiceHandle::new(#config, #dir)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn loaded(name: &str, items: &[marine_ast::SDKAst]) -> LoadedModule {
        LoadedModule {
            name: name.to_string(),
            wasm_path: PathBuf::from(format!("{name}.wasm")),
            interface: crate::interface::read(&module_of(items)).unwrap(),
        }
    }

    #[test]
    fn records_are_shared_by_shape() {
        let inner = |ty| record_decl("Inner", &[("x", ty)]);
        let outer = || record_decl("Outer", &[("inner", vec(record("Inner")))]);
        let service = LoadedService {
            name: None,
            config_path: PathBuf::from("Config.toml"),
            modules_dir: None,
            modules: vec![
                loaded("a", &[inner(i32()), outer()]),
                loaded("b", &[inner(i32()), outer()]),
                loaded("c", &[inner(u64()), outer()]),
            ],
        };
        let idents = vec![module_idents(&service).unwrap()];
        let owners = owners(std::slice::from_ref(&service), &idents);
        let a = vec![format_ident!("a")];
        // `b` declares the same shapes as `a` and reuses its structs; `c`'s `Inner` differs,
        // and so does its `Outer` (which holds that `Inner`).
        assert_eq!(owners[0][0]["Outer"], None);
        assert_eq!(owners[0][1]["Inner"], Some(a.clone()));
        assert_eq!(owners[0][1]["Outer"], Some(a));
        assert_eq!(owners[0][2]["Inner"], None);
        assert_eq!(owners[0][2]["Outer"], None);
    }

    #[test]
    fn shared_record_fields_do_not_expand_shapes() {
        // R{i+1} holds R{i} twice: written out, R100's shape would be 2^100 leaves long.
        let mut items = vec![record_decl("R0", &[("x", i32())])];
        for i in 1..=100 {
            let prev = format!("R{}", i - 1);
            items.push(record_decl(
                &format!("R{i}"),
                &[("l", record(&prev)), ("r", record(&prev))],
            ));
        }
        let service = LoadedService {
            name: None,
            config_path: PathBuf::from("Config.toml"),
            modules_dir: None,
            modules: vec![loaded("m", &items)],
        };
        let env = generate_env(std::slice::from_ref(&service)).unwrap();
        assert!(env.to_string().contains("pub struct R100"));
    }
}
