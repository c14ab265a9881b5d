//! Floats cross `#[marine_test]` wrappers bit for bit: NaN (payload and sign included),
//! infinities, `-0.0`, extremes and subnormals, as arguments and results, alone, in vectors
//! (nested) and in records (nested, in vectors, shared between modules and services). Each
//! direction is checked on its own: `*_bits` report what the module received, `*_from_bits`
//! return values the module made.
//!
//! The service loads the `floats` example twice (`floats`, and `floats_copy` as the facade).

use marine_rs_sdk_test::marine_test;

const F32S: [f32; 12] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    -0.0,
    0.0,
    f32::MAX,
    f32::MIN,
    f32::MIN_POSITIVE,
    f32::EPSILON,
    1.5,
    f32::from_bits(1),           // smallest subnormal
    f32::from_bits(0x807f_ffff), // largest negative subnormal
];

const F64S: [f64; 14] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    0.0,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    f32::MAX as f64,
    f32::MIN_POSITIVE as f64,
    f64::MAX / 3.0, // beyond f32 range
    f64::from_bits(1),
    f64::from_bits(0x7ff8_0000_0000_0001), // NaN with a payload
    f64::from_bits(0xfff8_0000_0000_0000), // negative NaN
];

/// The single-service form, on a fn: scalars and a record, the values JSON cannot carry.
#[marine_test(
    config_path = "../services/floats/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn single_service_form(
    floats: marine_test_env::floats::ModuleInterface,
    floats_copy: marine_test_env::floats_copy::ModuleInterface,
) {
    assert!(floats.echo_f64(f64::NAN).is_nan());
    assert!(floats.echo_f32(f32::NAN).is_nan());
    assert_eq!(floats.echo_f64(f64::INFINITY), f64::INFINITY);
    assert_eq!(floats.echo_f32(f32::NEG_INFINITY), f32::NEG_INFINITY);
    let zero = floats.echo_f64(-0.0);
    assert!(zero == 0.0 && zero.is_sign_negative());
    let zero = floats.try_echo_f32(-0.0).unwrap();
    assert!(zero == 0.0 && zero.is_sign_negative());
    assert_eq!(floats.echo_f32(f32::MAX), f32::MAX);
    assert_eq!(floats.echo_f32(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
    assert_eq!(floats.f64_bits(f64::NAN), f64::NAN.to_bits());
    assert_eq!(floats.f32_from_bits(1).to_bits(), 1);
    // The `_cp` variants take the same path.
    let nan = floats.echo_f64_cp(f64::NAN, Default::default());
    assert_eq!(nan.to_bits(), f64::NAN.to_bits());

    // One record struct for both modules: one's output is the other's input.
    let made: marine_test_env::floats_copy::Floats = floats.specials();
    let echoed: marine_test_env::floats::Floats = floats_copy.echo_floats(made.clone());
    assert!(echoed.pair.single.is_nan());
    assert_eq!(echoed.pair.double, f64::NEG_INFINITY);
    assert_eq!(echoed.grid[0][2], f32::MAX);
    let pair = marine_test_env::floats::FloatPair {
        single: f32::INFINITY,
        double: -0.0,
        doubles: vec![f64::NAN, f64::NEG_INFINITY],
    };
    let back = floats_copy.echo_pair(pair);
    assert_eq!(back.single, f32::INFINITY);
    assert!(back.double == 0.0 && back.double.is_sign_negative());
    assert!(back.doubles[0].is_nan());
    assert_eq!(back.doubles[1], f64::NEG_INFINITY);
}

/// The multi-service form, on a mod: every value in every position, compared by bits.
#[marine_test(
    svc(
        config_path = "../services/floats/Config.toml",
        modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
    ),
    other(
        config_path = "../services/floats/Config.toml",
        modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
    )
)]
mod bits {
    use marine_rs_sdk_test::MarineServiceAccess;
    use marine_runtime::{HostValue, IType};

    use super::{F32S, F64S};

    fn bits32(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    fn bits64(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// The bits of every float in a `Floats`, in the order of the module's `floats_bits`.
    fn floats_bits(f: &svc::Floats) -> Vec<u64> {
        let mut out = Vec::new();
        for p in std::iter::once(&f.pair).chain(&f.pairs) {
            out.push(p.single.to_bits() as u64);
            out.push(p.double.to_bits());
            out.extend(bits64(&p.doubles));
        }
        for row in &f.grid {
            out.extend(row.iter().map(|x| x.to_bits() as u64));
        }
        out
    }

    fn special_floats() -> svc::Floats {
        svc::Floats {
            pair: svc::FloatPair {
                single: f32::NAN,
                double: f64::NEG_INFINITY,
                doubles: F64S.to_vec(),
            },
            pairs: F32S
                .iter()
                .zip(F64S.iter().rev())
                .map(|(s, d)| svc::FloatPair {
                    single: *s,
                    double: *d,
                    doubles: vec![*d, -*d],
                })
                .collect(),
            grid: vec![F32S.to_vec(), vec![], vec![-0.0, f32::NAN]],
        }
    }

    #[test]
    fn scalar_arguments_and_results() {
        let svc = svc::ServiceInterface::new();
        let floats = &svc.modules.floats;
        for v in F32S {
            assert_eq!(floats.f32_bits(v), v.to_bits(), "argument {v:?}");
            let made = floats.f32_from_bits(v.to_bits());
            assert_eq!(made.to_bits(), v.to_bits(), "result {v:?}");
            assert_eq!(floats.echo_f32(v).to_bits(), v.to_bits(), "echo {v:?}");
        }
        for v in F64S {
            assert_eq!(floats.f64_bits(v), v.to_bits(), "argument {v:?}");
            let made = floats.f64_from_bits(v.to_bits());
            assert_eq!(made.to_bits(), v.to_bits(), "result {v:?}");
            assert_eq!(floats.echo_f64(v).to_bits(), v.to_bits(), "echo {v:?}");
        }
        // Through the service's forwarding methods (the facade, `floats_copy`).
        assert_eq!(svc.f64_bits(f64::NAN), f64::NAN.to_bits());
        let zero = svc.try_f32_from_bits((-0.0f32).to_bits()).unwrap();
        assert_eq!(zero.to_bits(), (-0.0f32).to_bits());
        assert_eq!(svc.echo_f64(f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn vectors() {
        let svc = svc::ServiceInterface::new();
        let floats = &svc.modules.floats;
        let bits = bits64(&F64S);
        assert_eq!(floats.f64_vec_bits(F64S.to_vec()), bits);
        assert_eq!(bits64(&floats.f64_vec_from_bits(bits.clone())), bits);
        assert_eq!(bits64(&floats.echo_f64_vec(F64S.to_vec())), bits);
        assert!(floats.echo_f64_vec(vec![f64::NAN])[0].is_nan());
        assert_eq!(floats.echo_f64_vec(vec![]), Vec::<f64>::new());

        let grid = vec![F32S.to_vec(), vec![], vec![f32::NAN, -0.0], F32S.to_vec()];
        let echoed = svc.echo_f32_grid(grid.clone());
        assert_eq!(
            echoed.iter().map(|r| bits32(r)).collect::<Vec<_>>(),
            grid.iter().map(|r| bits32(r)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn records() {
        let svc = svc::ServiceInterface::new();
        let floats = &svc.modules.floats;

        // Arguments: the module reports the bits it received.
        let sent = special_floats();
        assert_eq!(floats.floats_bits(sent.clone()), floats_bits(&sent));
        // Results: an echo comes back with the same bits.
        let echoed = floats.echo_floats(sent.clone());
        assert_eq!(floats_bits(&echoed), floats_bits(&sent));
        assert!(echoed.pair.single.is_nan());
        assert!(echoed.pairs[0].double.is_nan());

        // Values made in the module.
        let made = floats.specials();
        assert!(made.pair.single.is_nan());
        assert_eq!(made.pair.double, f64::NEG_INFINITY);
        let doubles = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            f64::from_bits(1),
        ];
        assert_eq!(bits64(&made.pair.doubles), bits64(&doubles));
        assert_eq!(made.pairs[1].single.to_bits(), (-0.0f32).to_bits());
        assert_eq!(made.pairs[1].double, f64::INFINITY);
        let row = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN_POSITIVE,
        ];
        assert_eq!(bits32(&made.grid[0]), bits32(&row));
        assert!(made.grid[1].is_empty());
        assert_eq!(
            bits32(&made.grid[2]),
            bits32(&[f32::from_bits(1), -0.0, f32::NAN])
        );
        assert_eq!(svc.floats_bits(made.clone()), floats_bits(&made));
    }

    #[test]
    fn records_shared_between_modules_and_services() {
        let svc = svc::ServiceInterface::new();
        let other = other::ServiceInterface::new();
        // One struct for both modules of a service and for both services.
        let made: other::Floats = svc.modules.floats.specials();
        let echoed: svc::modules::floats::Floats = other.echo_floats(made.clone());
        assert_eq!(floats_bits(&echoed), floats_bits(&made));
        assert_eq!(other.modules.floats.floats_bits(echoed), floats_bits(&made));

        // The generated conversions declare the interface's own record types.
        let service = svc.marine_service();
        let interface = service.module_interface("floats_copy").unwrap();
        let declared = |name: &str| IType::Record(interface.records[name].clone());
        assert_eq!(<svc::Floats as HostValue>::itype(), declared("Floats"));
        assert_eq!(
            <svc::FloatPair as HostValue>::itype(),
            declared("FloatPair")
        );
    }
}
