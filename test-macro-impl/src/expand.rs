//! `#[marine_test]` expansion: attribute + item -> test code.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Item, ItemFn, ItemMod, Type};

use crate::attrs::{MarineTestArgs, ServiceArgs};
use crate::codegen::{self, ident_for, LoadedModule, LoadedService};
use crate::config::{resolve_path, ConfigError, ServiceFiles};

/// Loads one service named in the attribute: config, module files and interfaces. Paths are
/// relative to `base_dir` (the folder of the source file holding the attribute). Errors point
/// at the `config_path` (or `modules_dir`) literal.
pub fn load_service(
    args: &ServiceArgs,
    name: Option<Ident>,
    base_dir: &Path,
) -> syn::Result<LoadedService> {
    let config_path = resolve_path(base_dir, &args.config_path.value());
    let modules_dir = args
        .modules_dir
        .as_ref()
        .map(|d| resolve_path(base_dir, &d.value()));
    let files = ServiceFiles::load(config_path, modules_dir).map_err(|e| {
        let span = match (&e, &args.modules_dir) {
            (ConfigError::MissingWasm { .. }, Some(dir)) => dir.span(),
            _ => args.config_path.span(),
        };
        syn::Error::new(span, e.to_string())
    })?;
    let mut modules = Vec::with_capacity(files.modules.len());
    for m in &files.modules {
        let at = || args.config_path.span();
        let wasm = std::fs::read(&m.wasm_path).map_err(|e| {
            syn::Error::new(
                at(),
                format!(
                    "module `{}`: cannot read {}: {e}",
                    m.name,
                    m.wasm_path.display()
                ),
            )
        })?;
        let interface = crate::interface::read_with_limits(&wasm, files.limits.interface())
            .map_err(|e| {
                syn::Error::new(
                    at(),
                    format!(
                        "module `{}` ({}): cannot read its interface: {e}",
                        m.name,
                        m.wasm_path.display()
                    ),
                )
            })?;
        modules.push(LoadedModule {
            name: m.name.clone(),
            wasm_path: m.wasm_path.clone(),
            interface,
        });
    }
    Ok(LoadedService {
        name,
        config_path: files.config_path,
        modules_dir: files.modules_dir,
        modules,
    })
}

/// Expands `#[marine_test(attr)] item`; `source_dir` is the folder of the source file holding
/// the attribute (relative paths in the attribute start there).
pub fn marine_test(
    attr: TokenStream,
    item: TokenStream,
    source_dir: &Path,
) -> syn::Result<TokenStream> {
    let args = MarineTestArgs::parse(attr, Span::call_site())?;
    let item: Item = syn::parse2(item)?;
    match (args, item) {
        (MarineTestArgs::Single(args), Item::Fn(func)) => {
            let service = load_service(&args, None, source_dir)?;
            single_fn(&service, func, &args)
        }
        (MarineTestArgs::Single(_), other) => Err(syn::Error::new(
            item_span(&other),
            "the single-service form of #[marine_test] applies to a fn; on a mod use named services: `#[marine_test(service_name(config_path = \"...\"))]`",
        )),
        (MarineTestArgs::Multi(list), item) => {
            let services = list
                .iter()
                .map(|(name, args)| load_service(args, Some(name.clone()), source_dir))
                .collect::<syn::Result<Vec<_>>>()?;
            let env = codegen::generate_env(&services)
                .map_err(|e| syn::Error::new(Span::call_site(), e.to_string()))?;
            match item {
                Item::Fn(func) => multi_fn(env, func),
                Item::Mod(module) => multi_mod(env, module),
                other => Err(syn::Error::new(
                    item_span(&other),
                    "#[marine_test] with named services applies to a fn or an inline mod",
                )),
            }
        }
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Struct(s) => s.struct_token.span(),
        Item::Enum(e) => e.enum_token.span(),
        Item::Mod(m) => m.mod_token.span(),
        Item::Impl(i) => i.impl_token.span(),
        other => other.span(),
    }
}

fn check_signature(func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new(
            a.span(),
            "#[marine_test] functions cannot be async",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "#[marine_test] functions cannot be generic",
        ));
    }
    Ok(())
}

/// Attributes kept on the generated test (`#[test]` is added by the macro).
fn test_attrs(func: &ItemFn) -> Vec<&syn::Attribute> {
    func.attrs
        .iter()
        .filter(|a| !a.path().is_ident("test"))
        .collect()
}

/// The module named by a parameter type `marine_test_env::<module>::ModuleInterface`.
fn param_module(ty: &Type) -> syn::Result<&Ident> {
    let shape_error = || {
        syn::Error::new(
            ty.span(),
            "a #[marine_test] parameter must have the type `marine_test_env::<module>::ModuleInterface`",
        )
    };
    let Type::Path(path) = ty else {
        return Err(shape_error());
    };
    if path.qself.is_some() {
        return Err(shape_error());
    }
    let segments: Vec<_> = path.path.segments.iter().collect();
    match segments.as_slice() {
        [env, module, iface]
            if env.ident == "marine_test_env"
                && iface.ident == "ModuleInterface"
                && module.arguments.is_none()
                && iface.arguments.is_none() =>
        {
            Ok(&module.ident)
        }
        _ => Err(shape_error()),
    }
}

fn single_fn(
    service: &LoadedService,
    func: ItemFn,
    args: &ServiceArgs,
) -> syn::Result<TokenStream> {
    check_signature(&func)?;
    let idents = codegen::module_idents(service)
        .map_err(|e| syn::Error::new(args.config_path.span(), e.to_string()))?;
    let mut ctor_args = Vec::new();
    for input in &func.sig.inputs {
        let pat = match input {
            FnArg::Receiver(r) => {
                return Err(syn::Error::new(
                    r.span(),
                    "a #[marine_test] function cannot take `self`",
                ))
            }
            FnArg::Typed(p) => p,
        };
        let module = param_module(&pat.ty)?;
        if !idents.iter().any(|i| i == module) {
            let known: Vec<String> = service
                .modules
                .iter()
                .map(|m| format!("`{}`", ident_for(&m.name)))
                .collect();
            return Err(syn::Error::new(
                module.span(),
                format!(
                    "unknown module `{module}`: the service config {} declares {}",
                    service.config_path.display(),
                    known.join(", ")
                ),
            ));
        }
        ctor_args.push(
            quote!(marine_test_env::#module::ModuleInterface::__new(__marine_service.clone())),
        );
    }
    let env = codegen::generate_env(std::slice::from_ref(service))
        .map_err(|e| syn::Error::new(args.config_path.span(), e.to_string()))?;
    let ctor = codegen::single_service_ctor(service);
    let attrs = test_attrs(&func);
    let vis = &func.vis;
    let name = &func.sig.ident;
    let output = &func.sig.output;
    let inputs = &func.sig.inputs;
    let body = &func.block;
    Ok(quote! {
        #(#attrs)*
        #[test]
        #vis fn #name() #output {
            #env
            fn __marine_test_body(#inputs) #output #body
            let __marine_service = #ctor;
            __marine_test_body(#(#ctor_args),*)
        }
    })
}

fn multi_fn(env: TokenStream, func: ItemFn) -> syn::Result<TokenStream> {
    check_signature(&func)?;
    if let Some(input) = func.sig.inputs.first() {
        return Err(syn::Error::new(
            input.span(),
            "with named services the test takes no parameters: create each service with `<service>::ServiceInterface::new()`",
        ));
    }
    let attrs = test_attrs(&func);
    let vis = &func.vis;
    let name = &func.sig.ident;
    let output = &func.sig.output;
    let body = &func.block;
    Ok(quote! {
        #(#attrs)*
        #[test]
        #vis fn #name() #output {
            #env
            #[allow(unused_imports)]
            use marine_test_env::*;
            fn __marine_test_body() #output #body
            __marine_test_body()
        }
    })
}

fn multi_mod(env: TokenStream, module: ItemMod) -> syn::Result<TokenStream> {
    let Some((brace, items)) = &module.content else {
        return Err(syn::Error::new(
            module.semi.span(),
            "#[marine_test] applies to an inline mod (`mod tests { ... }`), not to `mod tests;`",
        ));
    };
    let attrs = &module.attrs;
    let vis = &module.vis;
    let unsafety = &module.unsafety;
    let mod_token = &module.mod_token;
    let ident = &module.ident;
    let mut inner = TokenStream::new();
    brace.surround(&mut inner, |tokens| {
        env.to_tokens(tokens);
        quote!(
            #[allow(unused_imports)]
            use self::marine_test_env::*;
        )
        .to_tokens(tokens);
        for item in items {
            item.to_tokens(tokens);
        }
    });
    Ok(quote!(#(#attrs)* #vis #unsafety #mod_token #ident #inner))
}

/// A service for [`generate_env_for`]: a name, a config path and an optional `modules_dir`,
/// both relative to the base folder.
#[derive(Clone, Debug)]
pub struct ServiceSpec {
    pub name: String,
    pub config_path: PathBuf,
    pub modules_dir: Option<PathBuf>,
}

/// Generates `pub mod marine_test_env { <service>::ServiceInterface ... }` (the multi-service
/// layout) without a macro invocation, for build scripts. Returns the tokens and every file
/// the result depends on.
pub fn generate_env_for(
    services: &[ServiceSpec],
    base_dir: &Path,
) -> Result<(TokenStream, Vec<PathBuf>), String> {
    let mut loaded = Vec::new();
    for spec in services {
        let name: Ident = syn::parse_str(&spec.name)
            .map_err(|_| format!("service name `{}` is not an identifier", spec.name))?;
        let args = ServiceArgs {
            config_path: syn::LitStr::new(&spec.config_path.to_string_lossy(), Span::call_site()),
            modules_dir: spec
                .modules_dir
                .as_ref()
                .map(|d| syn::LitStr::new(&d.to_string_lossy(), Span::call_site())),
        };
        let service = load_service(&args, Some(name), base_dir)
            .map_err(|e| format!("service `{}`: {e}", spec.name))?;
        loaded.push(service);
    }
    let files = loaded
        .iter()
        .flat_map(|s| {
            std::iter::once(s.config_path.clone())
                .chain(s.modules.iter().map(|m| m.wasm_path.clone()))
        })
        .collect();
    let env = codegen::generate_env(&loaded).map_err(|e| e.to_string())?;
    Ok((env, files))
}
