; mlp.asm: a 784 -> 128 (ReLU) -> 10 (softmax) network, the peers' MLP benchmark
; (benches/peers/tensor/mlp_params.py, from the workplace's shared/peers), classifying the first `batch` input vectors.
;
;   adead-vm run examples/mlp.asm 1      ; prints 5.8044, then the class of row 0
;   adead-vm run examples/mlp.asm 64     ; prints 368.8797, then the class of row 0
;
; The weights, biases and the 64 inputs sit in the data section, reserved with `.zero`
; and filled at start-up from the peers' 32-bit LCG (seed 12345):
;   state = (state * 1664525 + 1013904223) mod 2^32, u = state / 2^32 (f64),
; drawn in the order W1[784][128] (row-major, in x out), b1[128], W2[128][10], b2[10],
; X[64][784], with W1 = (2u - 1) / sqrt(784), b1 = (2u - 1) * 0.1,
; W2 = (2u - 1) / sqrt(128), b2 = (2u - 1) * 0.1, X = u, each computed in f64 and
; rounded to f32, exactly as numpy does (float64, then astype(float32)).
; The checksum is sum over rows b and classes k of p[b][k] * (k + 1), in f64.
;
; Exported functions, for hosts that embed the VM (vm/examples/mlp.rs times them):
;   setup()        fills the data, creates the tensors, keeps their handles in memory;
;   infer(batch)   loads the first `batch` input rows (1..=64) into the input tensor,
;                  runs linear.relu, linear and softmax, and stores the probabilities
;                  [batch, 10] at `probabilities`; returns batch;
;   checksum(batch) the f64 checksum of the stored probabilities (its bits);
;   class()        the class (argmax) of row 0 of the last inference;
;   teardown()     frees the tensors setup made (a host that keeps the module for
;                  more inferences calls it last, or never).
; main(batch) calls setup, infer, checksum and class, prints the checksum (4 decimals)
; and the class, and tears down.

.memory 1048576

; Tensor handles, one 8-byte slot each (see the offsets below), and the batch the
; input tensor currently has (0 before the first inference).
.data handles
    .zero 80
; Offsets in `handles`.
;   0 W1 [784, 128]   8 b1 [128]   16 W2 [128, 10]   24 b2 [10]
;  32 X [batch, 784]  40 H [batch, 128]  48 Z [batch, 10]  56 P [batch, 10]
;  64 argmax of P [batch, 1]        72 the batch X has
.data w1
    .zero 401408                    ; 784 * 128 * 4
.data b1
    .zero 512                       ; 128 * 4
.data w2
    .zero 5120                      ; 128 * 10 * 4
.data b2
    .zero 40                        ; 10 * 4
.data x
    .zero 200704                    ; 64 * 784 * 4
.data probabilities
    .zero 2560                      ; 64 * 10 * 4

.func main params=1 regs=16
    mov r10, r0                     ; batch
    call r1, setup, r0, 0
    call r1, infer, r10, 1
    call r2, checksum, r10, 1       ; f64 bits
    movi r3, 4
    hcall r4, print_fixed, r2, 2    ; print_fixed(checksum, 4 digits)
    call r5, class, r0, 0
    hcall r4, print_i64, r5, 1
    call r4, teardown, r0, 0
    halt
.end

.func teardown params=0 regs=4
    movi r0, @handles
    movi r1, 0
    movi r2, 72
next:
    add r3, r0, r1
    ld64 r3, r3, 0
    tfree r3
    addi r1, r1, 8
    blt r1, r2, next
    ret r1
.end

; setup(): parameters from the LCG, then the tensors.
.func setup params=0 regs=32
    movi r20, 12345                 ; the LCG state, threaded through every draw
    fmovi r24, 28.0                 ; sqrt(784), exact
    fmovi r25, 128.0
    fsqrt r25, r25                  ; sqrt(128), correctly rounded as numpy's np.sqrt
    fmovi r26, 0.1
    movi r21, @w1
    movi r22, 100352                ; 784 * 128
    movi r23, 1                     ; (2u - 1) / c
    call r20, draw, r20, 5          ; draw(state, addr, count, mode, c) -> state
    movi r21, @b1
    movi r22, 128
    movi r23, 2                     ; (2u - 1) * c
    mov r24, r26
    call r20, draw, r20, 5
    movi r21, @w2
    movi r22, 1280
    movi r23, 1
    mov r24, r25
    call r20, draw, r20, 5
    movi r21, @b2
    movi r22, 10
    movi r23, 2
    mov r24, r26
    call r20, draw, r20, 5
    movi r21, @x
    movi r22, 50176                 ; 64 * 784
    movi r23, 0                     ; u
    call r20, draw, r20, 5

    movi r1, 784
    movi r2, 128
    movi r3, 10
    movi r4, 1
    tnew r10, r1, 2                 ; W1 [784, 128]
    movi r5, @w1
    tload r10, r5
    tnew r11, r2, 1                 ; b1 [128]
    movi r5, @b1
    tload r11, r5
    tnew r12, r2, 2                 ; W2 [128, 10]
    movi r5, @w2
    tload r12, r5
    tnew r13, r3, 1                 ; b2 [10]
    movi r5, @b2
    tload r13, r5
    tnew r14, r4, 1                 ; X, H, Z, P and the argmax: placeholders whose
    tnew r15, r4, 1                 ; shapes the first inference sets
    tnew r16, r4, 1
    tnew r17, r4, 1
    tnew r18, r4, 1
    movi r6, @handles
    st64 r6, 0, r10
    st64 r6, 8, r11
    st64 r6, 16, r12
    st64 r6, 24, r13
    st64 r6, 32, r14
    st64 r6, 40, r15
    st64 r6, 48, r16
    st64 r6, 56, r17
    st64 r6, 64, r18
    movi r7, 0
    st64 r6, 72, r7                 ; X has no batch yet
    ret r7
.end

; draw(state, addr, count, mode, c): `count` LCG draws stored as f32 from `addr` on;
; mode 0 stores u, mode 1 (2u - 1) / c, mode 2 (2u - 1) * c (f64, then rounded to f32).
; Returns the new state.
.func draw params=5 regs=16
    movi r5, 1664525
    movi r6, 1013904223
    fmovi r7, 0x3df0000000000000    ; 2^-32
    fmovi r8, 1.0
    movi r9, 0                      ; i
next:
    bgeu r9, r2, done
    mul r0, r0, r5
    add r0, r0, r6
    zext32 r0, r0                   ; mod 2^32
    u2f r10, r0
    fmul r10, r10, r7               ; u = state / 2^32, exact
    jz r3, store                    ; mode 0: u itself
    fadd r10, r10, r10
    fsub r10, r10, r8               ; 2u - 1, exact
    movi r11, 1
    bne r3, r11, scaled
    fdiv r10, r10, r4               ; mode 1: / c
    jmp store
scaled:
    fmul r10, r10, r4               ; mode 2: * c
store:
    fdemote r10, r10
    fst32 r1, 0, r10
    addi r1, r1, 4
    addi r9, r9, 1
    jmp next
done:
    ret r0
.end

; infer(batch): one inference of the first `batch` rows of X; traps (user 1) unless
; 1 <= batch <= 64.
.func infer params=1 regs=18
    movi r1, 1
    blt r0, r1, bad_batch
    movi r1, 64
    blt r1, r0, bad_batch
    movi r9, @handles
    ld64 r14, r9, 32                ; X
    ld64 r2, r9, 72                 ; its batch
    beq r2, r0, load
    tfree r14                       ; another batch: a new input tensor of that shape
    mov r2, r0
    movi r3, 784
    tnew r14, r2, 2                 ; X [batch, 784]
    st64 r9, 32, r14
    st64 r9, 72, r0
load:
    movi r3, @x
    tload r14, r3                   ; the first batch rows of the inputs
    ld64 r10, r9, 0
    ld64 r11, r9, 8
    ld64 r12, r9, 16
    ld64 r13, r9, 24
    ld64 r15, r9, 40
    ld64 r16, r9, 48
    ld64 r17, r9, 56
    linear.relu r15, r14, r10, r11  ; H = relu(X . W1 + b1)
    linear r16, r15, r12, r13       ; Z = H . W2 + b2
    softmax r17, r16                ; P = softmax(Z), row-wise
    movi r3, @probabilities
    tstore r3, r17
    ret r0
bad_batch:
    trap 1
.end

; checksum(batch): sum over b < batch, k < 10 of p[b][k] * (k + 1) in f64, row by row.
.func checksum params=1 regs=16
    movi r1, @probabilities
    fmovi r2, 0.0                   ; the sum
    fmovi r3, 1.0
    movi r4, 0                      ; b
    movi r7, 10
rows:
    bge r4, r0, done
    movi r5, 0                      ; k
    fmovi r6, 1.0                   ; k + 1
classes:
    fld32 r8, r1, 0
    fpromote r8, r8
    fmul r8, r8, r6
    fadd r2, r2, r8
    fadd r6, r6, r3
    addi r1, r1, 4
    addi r5, r5, 1
    blt r5, r7, classes
    addi r4, r4, 1
    jmp rows
done:
    ret r2
.end

; class(): the argmax of row 0 of the last probabilities, as an integer.
.func class params=0 regs=8
    movi r1, @handles
    ld64 r2, r1, 56                 ; P
    ld64 r3, r1, 64
    argmax r3, r2                   ; [batch, 1]: indices as f32
    movi r4, 0
    tget r5, r3, r4
    fpromote r5, r5
    f2i r5, r5
    ret r5
.end

.export setup
.export infer
.export checksum
.export class
