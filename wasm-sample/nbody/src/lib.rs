//! nbody: the n-body simulation of the Computer Language Benchmarks Game, float-heavy.
//! `run(steps)` starts from the five Jovian bodies, advances `steps` steps of 0.01
//! and returns the system's energy.

const PI: f64 = std::f64::consts::PI;
const SOLAR_MASS: f64 = 4.0 * PI * PI;
const DAYS_PER_YEAR: f64 = 365.24;
const BODIES: usize = 5;

#[derive(Clone, Copy)]
struct Body {
    position: [f64; 3],
    velocity: [f64; 3],
    mass: f64,
}

fn jovian_planets() -> [Body; BODIES] {
    let body = |position: [f64; 3], velocity: [f64; 3], mass: f64| Body {
        position,
        velocity: velocity.map(|v| v * DAYS_PER_YEAR),
        mass: mass * SOLAR_MASS,
    };
    [
        body([0.0; 3], [0.0; 3], 1.0),
        body(
            [4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],
            [1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05],
            9.54791938424326609e-04,
        ),
        body(
            [8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],
            [-2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05],
            2.85885980666130812e-04,
        ),
        body(
            [1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],
            [2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05],
            4.36624404335156298e-05,
        ),
        body(
            [1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],
            [2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05],
            5.15138902046611451e-05,
        ),
    ]
}

fn offset_momentum(bodies: &mut [Body; BODIES]) {
    let mut momentum = [0.0; 3];
    for body in bodies.iter() {
        for k in 0..3 {
            momentum[k] += body.velocity[k] * body.mass;
        }
    }
    for k in 0..3 {
        bodies[0].velocity[k] = -momentum[k] / SOLAR_MASS;
    }
}

fn advance(bodies: &mut [Body; BODIES], dt: f64) {
    for i in 0..BODIES {
        for j in (i + 1)..BODIES {
            let d: [f64; 3] = std::array::from_fn(|k| bodies[i].position[k] - bodies[j].position[k]);
            let distance_squared = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            let magnitude = dt / (distance_squared * distance_squared.sqrt());
            let (mass_i, mass_j) = (bodies[i].mass, bodies[j].mass);
            for k in 0..3 {
                bodies[i].velocity[k] -= d[k] * mass_j * magnitude;
                bodies[j].velocity[k] += d[k] * mass_i * magnitude;
            }
        }
    }
    for body in bodies.iter_mut() {
        for k in 0..3 {
            body.position[k] += dt * body.velocity[k];
        }
    }
}

fn energy(bodies: &[Body; BODIES]) -> f64 {
    let mut energy = 0.0;
    for i in 0..BODIES {
        let v = bodies[i].velocity;
        energy += 0.5 * bodies[i].mass * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for j in (i + 1)..BODIES {
            let d: [f64; 3] = std::array::from_fn(|k| bodies[i].position[k] - bodies[j].position[k]);
            energy -= bodies[i].mass * bodies[j].mass / (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        }
    }
    energy
}

pub fn nbody(steps: i32) -> f64 {
    let mut bodies = jovian_planets();
    offset_momentum(&mut bodies);
    for _ in 0..steps {
        advance(&mut bodies, 0.01);
    }
    energy(&bodies)
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn run(steps: i32) -> f64 {
    nbody(steps)
}
