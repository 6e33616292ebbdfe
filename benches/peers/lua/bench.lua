-- The five scalar benchmarks in Lua, for Lua 5.4 and LuaJIT (the same file).
-- Definitions: benches/RESULTS.md, "Benchmark definitions"; the same algorithms as the
-- programs in benches/programs/ and the C and WebAssembly peers.
--
--   lua5.4 | luajit [-joff] benches/peers/lua/bench.lua <fib|loop|sieve|mandel|nbody> <runs> [label] [size]
--
-- Times `runs` calls of the benchmark function in-process with os.clock() (process CPU
-- time: the same as wall time for these single-threaded CPU-bound loops) and prints
--   RESULT peer=<label> bench=<b> checksum=<c> median_ms=<m> min_ms=<m> first_ms=<f> runs=<r>
-- `size` replaces the main size (fib n, loop n, sieve n, mandel n, nbody steps).
local bench, runs, label, size = arg[1] or "fib", tonumber(arg[2] or "3"), arg[3] or "lua", arg[4]
local sqrt = math.sqrt

-- 1. fib
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

-- 2. loop, in 64-bit integers. Lua 5.4 has them natively. LuaJIT's numbers are doubles,
-- and i*i passes 2^53 near the end of the range (giving the wrong sum 199272320), so
-- under LuaJIT the loop runs on FFI int64_t cdata (`0LL`): the JIT compiles it to
-- native 64-bit arithmetic, while the interpreter (-joff) boxes every value (slow).
local loop
if jit then
  loop = assert(loadstring([[
    local n = ...
    local s, i, limit = 0LL, 0LL, n + 0LL
    while i < limit do
      s = s + (i * i) % 7
      i = i + 1
    end
    return s
  ]]))
else
  loop = function(n)
    local s = 0
    for i = 0, n - 1 do s = s + (i * i) % 7 end
    return s
  end
end

-- 3. sieve: one call allocates the flags (a plain table of booleans, 1..n), then
-- `passes` x (fill, cross out, count 2..n)
local function sieve(n, passes)
  local flags = {}
  local total = 0
  for _ = 1, passes do
    for i = 1, n do flags[i] = true end
    local i = 2
    while i * i <= n do
      if flags[i] then
        for j = i * i, n, i do flags[j] = false end
      end
      i = i + 1
    end
    local count = 0
    for k = 2, n do
      if flags[k] then count = count + 1 end
    end
    total = total + count
  end
  return total
end

-- 4. mandel
local function mandel(n, maxit)
  local count = 0
  for y = 0, n - 1 do
    local ci = (2.0 * y) / n - 1.0
    for x = 0, n - 1 do
      local cr = (2.0 * x) / n - 1.5
      local zr, zi, zr2, zi2 = 0.0, 0.0, 0.0, 0.0
      local it = 0
      while it < maxit and zr2 + zi2 <= 4.0 do
        zi = 2.0 * zr * zi + ci
        zr = zr2 - zi2 + cr
        zr2 = zr * zr
        zi2 = zi * zi
        it = it + 1
      end
      if it == maxit then count = count + 1 end
    end
  end
  return count
end

-- 5. nbody (Benchmarks Game): bodies are tables with named fields
local PI = 3.141592653589793
local SOLAR_MASS = 4.0 * PI * PI
local DAYS_PER_YEAR = 365.24

local function new_bodies()
  local dpy, sm = DAYS_PER_YEAR, SOLAR_MASS
  local b = {
    { -- Sun
      x = 0.0, y = 0.0, z = 0.0, vx = 0.0, vy = 0.0, vz = 0.0, mass = sm },
    { -- Jupiter
      x = 4.84143144246472090e+00, y = -1.16032004402742839e+00, z = -1.03622044471123109e-01,
      vx = 1.66007664274403694e-03 * dpy, vy = 7.69901118419740425e-03 * dpy,
      vz = -6.90460016972063023e-05 * dpy, mass = 9.54791938424326609e-04 * sm },
    { -- Saturn
      x = 8.34336671824457987e+00, y = 4.12479856412430479e+00, z = -4.03523417114321381e-01,
      vx = -2.76742510726862411e-03 * dpy, vy = 4.99852801234917238e-03 * dpy,
      vz = 2.30417297573763929e-05 * dpy, mass = 2.85885980666130812e-04 * sm },
    { -- Uranus
      x = 1.28943695621391310e+01, y = -1.51111514016986312e+01, z = -2.23307578892655734e-01,
      vx = 2.96460137564761618e-03 * dpy, vy = 2.37847173959480950e-03 * dpy,
      vz = -2.96589568540237556e-05 * dpy, mass = 4.36624404335156298e-05 * sm },
    { -- Neptune
      x = 1.53796971148509165e+01, y = -2.59193146099879641e+01, z = 1.79258772950371181e-01,
      vx = 2.68067772490389322e-03 * dpy, vy = 1.62824170038242295e-03 * dpy,
      vz = -9.51592254519715870e-05 * dpy, mass = 5.15138902046611451e-05 * sm },
  }
  local px, py, pz = 0.0, 0.0, 0.0
  for i = 1, #b do
    local bi = b[i]
    px = px + bi.vx * bi.mass
    py = py + bi.vy * bi.mass
    pz = pz + bi.vz * bi.mass
  end
  b[1].vx = -px / SOLAR_MASS
  b[1].vy = -py / SOLAR_MASS
  b[1].vz = -pz / SOLAR_MASS
  return b
end

local function advance(b, nb, dt)
  for i = 1, nb do
    local bi = b[i]
    for j = i + 1, nb do
      local bj = b[j]
      local dx, dy, dz = bi.x - bj.x, bi.y - bj.y, bi.z - bj.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * sqrt(d2))
      local mi, mj = bi.mass * mag, bj.mass * mag
      bi.vx = bi.vx - dx * mj
      bi.vy = bi.vy - dy * mj
      bi.vz = bi.vz - dz * mj
      bj.vx = bj.vx + dx * mi
      bj.vy = bj.vy + dy * mi
      bj.vz = bj.vz + dz * mi
    end
  end
  for i = 1, nb do
    local bi = b[i]
    bi.x = bi.x + dt * bi.vx
    bi.y = bi.y + dt * bi.vy
    bi.z = bi.z + dt * bi.vz
  end
end

local function energy(b, nb)
  local e = 0.0
  for i = 1, nb do
    local bi = b[i]
    e = e + 0.5 * bi.mass * (bi.vx * bi.vx + bi.vy * bi.vy + bi.vz * bi.vz)
    for j = i + 1, nb do
      local bj = b[j]
      local dx, dy, dz = bi.x - bj.x, bi.y - bj.y, bi.z - bj.z
      e = e - (bi.mass * bj.mass) / sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  return e
end

local function nbody(steps)
  local b = new_bodies()
  local nb = #b
  for _ = 1, steps do advance(b, nb, 0.01) end
  return energy(b, nb)
end

local n = size and tonumber(size)
local benches = {
  fib = function() return string.format("%d", fib(n or 30)) end,
  -- tostring of an int64 cdata ends in "LL"
  loop = function() return (tostring(loop(n or 100000000)):gsub("LL$", "")) end,
  sieve = function() return string.format("%d", sieve(n or 10000000, 3)) end,
  mandel = function() return string.format("%d", mandel(n or 600, 200)) end,
  nbody = function() return string.format("%.9f", nbody(n or 1000000)) end,
}
local f = benches[bench] or error("unknown benchmark `" .. bench .. "` (fib, loop, sieve, mandel, nbody)")
local times, checksum = {}, ""
for r = 1, runs do
  local t0 = os.clock()
  checksum = f()
  times[r] = (os.clock() - t0) * 1000
end
local first = times[1]
table.sort(times)
print(string.format("RESULT peer=%s bench=%s checksum=%s median_ms=%.3f min_ms=%.3f first_ms=%.3f runs=%d",
  label, bench, checksum, times[math.floor(runs / 2) + 1], times[1], first, runs))
